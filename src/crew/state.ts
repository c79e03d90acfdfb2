import type { CrewMe, CrewTask, Shift } from './api'
import type { OutboxItem } from './outbox'
import type { QueueOwner } from './unsent'

/** What the phone has recorded for the task it holds, kept until the server has it. */
export interface Progress {
  taskId: number
  picked: number | null
  completed: number | null
  released: boolean
}

/** A task just taken: nothing recorded for it yet. */
export function noProgress(taskId: number): Progress {
  return { taskId, picked: null, completed: null, released: false }
}

export interface Notice {
  tone: 'error' | 'info' | 'warning'
  text: string
}

export interface CrewState {
  ready: boolean
  signedIn: boolean
  me: CrewMe | null
  shift: Shift | null
  task: CrewTask | null
  progress: Progress | null
  queue: readonly OutboxItem[]
  /** Set while the queue is held after a sign-out: the crew it was made for. */
  unsentFor: QueueOwner | null
  online: boolean
  notice: Notice | null
  busy: string | null
}
