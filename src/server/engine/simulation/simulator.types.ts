/** The simulator's vocabulary: stations, trips, settings, the log, policies and results. */

export interface SimStation {
  id: string
  name: string
  lat: number
  lon: number
  capacity: number
  bikes: number
  canRent: boolean
  canReturn: boolean
}

/** One of the day's observed trips, the template riders are drawn from. */
export interface DayTrip {
  origin: number
  destination: number
  /** Minutes after local midnight. */
  start: number
  minutes: number
}

export interface SimSettings {
  crews: number
  vanCapacity: number
  /** Van speed over road distance. */
  speedKmh: number
  /** Road distance = straight line x this. */
  detour: number
  /** Minutes per bike loaded, and again per bike unloaded. */
  handlingMinutes: number
  /** Riders who find a full station ride on at this speed (straight line). */
  bikeSpeedKmh: number
  startMinute: number
  endMinute: number
  /** How often the policy is asked (minutes). */
  policyEvery: number
  /** Where vans start: a station index. */
  depot: number
}

export const DEFAULT_SIM: Omit<SimSettings, 'depot'> = {
  crews: 3,
  vanCapacity: 20,
  speedKmh: 20,
  detour: 1.3,
  handlingMinutes: 0.5,
  bikeSpeedKmh: 12,
  startMinute: 6 * 60,
  endMinute: 22 * 60,
  policyEvery: 15,
}

export interface Rider {
  at: number
  origin: number
  destination: number
  minutes: number
}

export type LogEntry =
  | { t: number; kind: 'rent' | 'return' | 'failed_rental' | 'failed_return'; station: number }
  | {
      t: number
      kind: 'travel'
      crew: number
      from: number
      to: number
      depart: number
      arrive: number
    }
  | {
      t: number
      kind: 'pickup' | 'dropoff'
      crew: number
      station: number
      qty: number
      end: number
    }

export interface Assignment {
  crew: number
  from: number
  to: number
  qty: number
}

/** One stop of a van's run: bikes loaded (qty > 0) or unloaded (qty < 0) at a station. */
export interface StopAssignment {
  station: number
  qty: number
}

/**
 * A run: the van drives to each stop in turn and loads (up to what is there and what fits) or
 * unloads (up to what it carries and what fits); what it still carries after the last stop
 * stays on board for its next run.
 */
export interface RunAssignment {
  crew: number
  stops: StopAssignment[]
}

/** A stop a van has still to make (the one it drives to included). */
export type PendingStop = StopAssignment & { crew: number }

/** A move a van is carrying out: `loaded` once its bikes left the source. */
export type UnderWay = Assignment & { loaded: boolean }

export interface CrewView {
  crew: number
  position: number
  /** Bikes on board (left from a run). */
  load: number
}

export interface PolicyContext {
  minute: number
  bikes: Int32Array
  stations: readonly SimStation[]
  idleCrews: readonly CrewView[]
  /** Moves under way (planned quantities not yet delivered). */
  underWay: readonly UnderWay[]
  /** Runs' stops not yet made. */
  pendingStops: readonly PendingStop[]
  settings: SimSettings
}

export interface Policy {
  name: string
  decide(context: PolicyContext): (Assignment | RunAssignment)[]
}

export interface SimResult {
  failedRentals: number
  failedReturns: number
  rentals: number
  moves: number
  bikesMoved: number
  log: LogEntry[]
  finalBikes: Int32Array
  vanLoads: number[]
  ridersOut: number
}
