import type { ChangeListener } from '../server/events/notify-hub.js'
import { liveEventOf } from '../shared/live-events.js'
import type { EmitEvent } from './handlers.js'

/** The part of the server's notify hub the window's live events come from. */
export interface ChangeSource {
  subscribe(listener: ChangeListener): () => void
}

/**
 * Forwards the database's change notifications (any console's, any crew's) to the console's
 * windows as typed events. Returns the unsubscribe; a closing hub drops its listeners itself.
 */
export function forwardChanges(source: ChangeSource, emit: EmitEvent): () => void {
  return source.subscribe(({ channel, payload }) => {
    const live = liveEventOf(channel, payload)
    if (!live) return
    switch (live.event) {
      case 'tasks:changed':
        emit(live.event, live.payload)
        break
      case 'stations:changed':
        emit(live.event, live.payload)
        break
      case 'problems:changed':
        emit(live.event, live.payload)
        break
      case 'suggestions:changed':
        emit(live.event, live.payload)
        break
      case 'app:resync':
        emit(live.event, live.payload)
        break
    }
  })
}
