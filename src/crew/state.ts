import type { CrewMe, CrewTask, Shift } from './api'
import type { OutboxItem } from './outbox'

/** What the phone has recorded for the task it holds, kept until the server has it. */
export interface Progress {
  taskId: number
  picked: number | null
  completed: number | null
  released: boolean
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
  online: boolean
  notice: Notice | null
  busy: string | null
}
