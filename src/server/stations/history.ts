import type { HistoryPoint } from '../../shared/stations.js'

/** A station's state from `at` (ms since the epoch) until the next one: station_status's rows. */
export interface HeldState {
  at: number
  bikes: number
  ebikes: number | null
  docks: number
  isRenting: boolean
}

export interface HistoryShape {
  points: HistoryPoint[]
  /** Null when every state is its own point. */
  bucketSeconds: number | null
}

function point(at: number, state: HeldState, minBikes: number, maxBikes: number): HistoryPoint {
  return {
    at: new Date(at).toISOString(),
    bikes: state.bikes,
    ebikes: state.ebikes,
    docks: state.docks,
    minBikes,
    maxBikes,
    isRenting: state.isRenting,
  }
}

/**
 * The states held over [from, end) as at most `max` points, each holding until the next, the last
 * repeated at `end` so a step line reaches it. `states` are in time order; the first may start
 * before `from` (the state in force then). Few enough states are returned as they are; more are
 * sampled at `max - 1` regular instants (the state in force at each), each point carrying the
 * fewest and most bikes until the next, so a short empty spell still shows in the band.
 */
export function historyPoints(
  states: readonly HeldState[],
  from: number,
  end: number,
  max: number,
): HistoryShape {
  const first = states[0]
  if (!first || end <= from) return { points: [], bucketSeconds: null }
  const last = states[states.length - 1] ?? first
  if (states.length + 1 <= max) {
    const points = states.map((state) =>
      point(Math.max(state.at, from), state, state.bikes, state.bikes),
    )
    if (Math.max(last.at, from) < end) points.push(point(end, last, last.bikes, last.bikes))
    return { points, bucketSeconds: null }
  }
  const buckets = Math.max(1, max - 1)
  const width = (end - from) / buckets
  const points: HistoryPoint[] = []
  let next = 0
  let held: HeldState | null = null
  for (let i = 0; i < buckets; i++) {
    const start = from + i * width
    const stop = i === buckets - 1 ? end : from + (i + 1) * width
    for (let state = states[next]; state && state.at <= start; state = states[next]) {
      held = state
      next += 1
    }
    const atStart = held
    let min = atStart?.bikes ?? Infinity
    let most = atStart?.bikes ?? -Infinity
    for (let state = states[next]; state && state.at < stop; state = states[next]) {
      min = Math.min(min, state.bikes)
      most = Math.max(most, state.bikes)
      held ??= state
      next += 1
    }
    // Before the station's first state there is nothing to draw; a bucket where it begins shows
    // its first state.
    const shown = atStart ?? held
    if (shown) points.push(point(start, shown, min, most))
    held = next > 0 ? (states[next - 1] ?? held) : held
  }
  if (held) points.push(point(end, held, held.bikes, held.bikes))
  return { points, bucketSeconds: width / 1000 }
}

/** A stretch of [from, end) with no reading of the system's status: nothing is known there. */
export interface Gap {
  from: number
  to: number
}

/**
 * The gaps of [from, end): before the first snapshot, between snapshots further apart than the
 * bridge, and after the last when that is more than the bridge before `end`. `spans` are the
 * snapshots followed by such a spacing (or by none: the last), in time order; `first` is the
 * earliest snapshot considered (null: there is none at all).
 */
export function historyGaps(
  spans: readonly { at: number; next: number | null }[],
  first: number | null,
  bridgeMs: number,
  from: number,
  end: number,
): Gap[] {
  if (first === null) return end > from ? [{ from, to: end }] : []
  const gaps: Gap[] = []
  const add = (start: number, stop: number) => {
    const a = Math.max(start, from)
    const b = Math.min(stop, end)
    if (b > a) gaps.push({ from: a, to: b })
  }
  if (first > from) add(from, first)
  for (const span of spans) {
    if (span.next !== null) add(span.at, span.next)
    else if (end - span.at > bridgeMs) add(span.at, end)
  }
  return gaps
}
