import type { Task } from './dispatch'

/**
 * The crew API as the phone app (src/crew) uses it, from CREW-API.md: request and answer types
 * only, so the phone's bundle carries no validation library. The servers' zod schemas for these
 * routes (crew-access, crew-work) are the authority; these types follow them.
 */

export type { ClaimedTask, Task } from './dispatch'

export type ReleaseReasonCode =
  'station_blocked' | 'fewer_bikes' | 'no_docks' | 'van_full' | 'station_broken' | 'other'

export type ProblemKind = 'broken_docks' | 'station_offline' | 'vandalism' | 'other'

export interface PairRequest {
  code: string
  device_name?: string
}
export interface PairAnswer {
  token: string
  crew_id: string
  crew_name: string
  device_id: number | string
}

export interface Shift {
  shift_id: number
  crew_id: string
  started_at: string
  ended_at: string | null
  van_capacity: number
  bikes_on_board: number
  bikes_moved: number
}

export interface CrewMe {
  crew_id: string
  crew_name: string
  device_id: number | string | null
  van_capacity: number | null
  /** crew-work's extension: optional so either merge order works. */
  shift?: Shift | null
  bikes_moved_today?: number
}

/** Battery goes with the heartbeats, not here: crew-work's schema for this body is strict. */
export interface StartShiftRequest {
  van_capacity: number
  bikes_on_board: number
  lat?: number
  lon?: number
}

export interface TaskStation {
  station_id: string
  name: string
  short_name: string | null
  lat: number
  lon: number
  bikes: number | null
  docks: number | null
  capacity: number | null
  reported_at: string | null
  /** Old numbers (a feed gone quiet); crew-work's first cut does not send it. */
  stale?: boolean
}

export interface CrewTask extends Task {
  from: TaskStation
  to: TaskStation
  distance_m: number | null
  qty_picked: number | null
}

export interface Heartbeat {
  lat?: number
  lon?: number
  battery?: number
}

export interface ProblemRequest {
  station_id: string
  kind: ProblemKind
  note?: string
  photo?: string
}

/** A change to one of the crew's tasks, pushed on GET /crew/events. */
export interface TaskEvent {
  id: number
  status: string
  change: 'canceled' | 'changed' | 'assigned'
  reason: string | null
}
