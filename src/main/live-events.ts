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
    // The event and its payload come as one value: the pair always matches.
    if (live) emit(live.event, live.payload)
  })
}
