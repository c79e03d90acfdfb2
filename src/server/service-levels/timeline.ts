/**
 * The arithmetic of service levels, without a database: what state each station was in, second by
 * second, over a window, and what that adds up to for the station and for its cluster.
 *
 * The rules (issue 8):
 * - a polled state holds until the next poll; polls further apart than the bridge (twice the
 *   median poll spacing) are not bridged: the time between them is unknown, for every station;
 * - a station a status file left out is not in the system until it is listed again, and neither
 *   is one before its first report; its own figures count that time as unknown;
 * - empty: installed and renting with no bike; full: installed and returning with no dock;
 * - a cluster is out while none of its stations in the system has a usable bike, or none has an
 *   operable dock, and every one of them is known; of each outage, the time beyond the first
 *   10 minutes in a row counts.
 *
 * Times are milliseconds since the epoch; spans are half-open, [start, end).
 */

export interface Span {
  start: number
  end: number
}

/** Installed and renting: bikes can be taken. */
export const RENTING = 1
/** Installed and returning: bikes can be left. */
export const RETURNING = 2

/** In the system, but no report covers this moment (the polls were too far apart). */
export const UNKNOWN = -1
/** Not in the system at this moment: not reported yet, or left out of the status file. */
export const OFF = -2

/**
 * A station's state as far as service levels care, in 6 bits: renting and returning, then the
 * usable bikes and operable docks, each 0, 1 or 2 (two or more). Rows of a station whose class
 * does not change can be dropped without changing any figure.
 */
export function stateClass(state: {
  bikes: number
  docks: number
  isInstalled: boolean
  isRenting: boolean
  isReturning: boolean
}): number {
  const renting = state.isInstalled && state.isRenting
  const returning = state.isInstalled && state.isReturning
  const bikes = renting ? Math.min(state.bikes, 2) : 0
  const docks = returning ? Math.min(state.docks, 2) : 0
  return (renting ? RENTING : 0) | (returning ? RETURNING : 0) | (bikes << 2) | (docks << 4)
}

/** Usable bikes of a class: 0, 1, or 2 for two or more. */
export function usableBikes(cls: number): number {
  return (cls >> 2) & 3
}

/** Operable empty docks of a class: 0, 1, or 2 for two or more. */
export function usableDocks(cls: number): number {
  return (cls >> 4) & 3
}

export function isEmpty(cls: number): boolean {
  return (cls & RENTING) !== 0 && usableBikes(cls) === 0
}

export function isFull(cls: number): boolean {
  return (cls & RETURNING) !== 0 && usableDocks(cls) === 0
}

/** Reported, but neither renting nor returning (or not installed at all). */
export function isClosed(cls: number): boolean {
  return (cls & (RENTING | RETURNING)) === 0
}

/** A moment the system's status was read, and how far the next read may be and still bridge. */
export interface SnapshotTime {
  at: number
  /** Milliseconds: the spacing to the next snapshot up to which the state holds. */
  bridgeMs: number
}

/**
 * The spans a report covers, within `window` and before `asOf`: from each snapshot to the next
 * when they are at most its bridge apart. After the last snapshot the state holds until `asOf`
 * as long as that is still within the bridge (a live feed between two polls).
 */
export function coverage(snapshots: readonly SnapshotTime[], window: Span, asOf: number): Span[] {
  const end = Math.min(window.end, asOf)
  const spans: Span[] = []
  const add = (start: number, stop: number) => {
    const from = Math.max(start, window.start)
    const to = Math.min(stop, end)
    if (to <= from) return
    const last = spans[spans.length - 1]
    if (last && last.end >= from) last.end = Math.max(last.end, to)
    else spans.push({ start: from, end: to })
  }
  for (let i = 0; i < snapshots.length; i += 1) {
    const snapshot = snapshots[i]
    if (!snapshot) continue
    const next = snapshots[i + 1]
    if (next) {
      if (next.at - snapshot.at <= snapshot.bridgeMs) add(snapshot.at, next.at)
    } else if (asOf - snapshot.at <= snapshot.bridgeMs) {
      add(snapshot.at, asOf)
    }
  }
  return spans
}

/** A station's recorded states: the class from each time on, times ascending. */
export interface StationRows {
  at: ArrayLike<number>
  cls: ArrayLike<number>
}

/** A piece of a timeline: the station's class, UNKNOWN or OFF over [start, end). */
export interface Segment extends Span {
  code: number
}

/** The index of the first span ending after `t`, from `from` on (spans sorted, disjoint). */
function advance(spans: readonly Span[], from: number, t: number): number {
  let i = from
  while (i < spans.length && (spans[i]?.end ?? 0) <= t) i += 1
  return i
}

function within(spans: readonly Span[], i: number, t: number): boolean {
  const span = spans[i]
  return span !== undefined && span.start <= t && t < span.end
}

/**
 * A station's timeline over `window` up to `asOf`: its recorded class where a report covers the
 * moment, UNKNOWN where none does, OFF before its first report and while left out (`absent`,
 * sorted and disjoint). Adjacent pieces with the same code are merged.
 */
export function stationTimeline(
  rows: StationRows,
  covered: readonly Span[],
  absent: readonly Span[],
  window: Span,
  asOf: number,
): Segment[] {
  const end = Math.min(window.end, asOf)
  if (end <= window.start) return []
  const cuts = [window.start, end]
  for (let i = 0; i < rows.at.length; i += 1) {
    const t = rows.at[i] ?? 0
    if (t > window.start && t < end) cuts.push(t)
  }
  for (const spans of [covered, absent]) {
    for (const span of spans) {
      if (span.start > window.start && span.start < end) cuts.push(span.start)
      if (span.end > window.start && span.end < end) cuts.push(span.end)
    }
  }
  cuts.sort((a, b) => a - b)

  const segments: Segment[] = []
  let row = -1
  let cover = 0
  let away = 0
  for (let i = 0; i < cuts.length - 1; i += 1) {
    const start = cuts[i] ?? 0
    const stop = cuts[i + 1] ?? 0
    if (stop <= start) continue
    while (row + 1 < rows.at.length && (rows.at[row + 1] ?? Infinity) <= start) row += 1
    cover = advance(covered, cover, start)
    away = advance(absent, away, start)
    let code: number
    if (row < 0) code = OFF
    else if (!within(covered, cover, start)) code = UNKNOWN
    else if (within(absent, away, start)) code = OFF
    else code = rows.cls[row] ?? UNKNOWN
    const last = segments[segments.length - 1]
    if (last && last.code === code && last.end === start) last.end = stop
    else segments.push({ start, end: stop, code })
  }
  return segments
}

/** Milliseconds a station spent in each state over a timeline. */
export interface StationFigures {
  known: number
  empty: number
  full: number
  closed: number
  unknown: number
  available1: number
  available2: number
}

export function stationFigures(segments: readonly Segment[]): StationFigures {
  const figures: StationFigures = {
    known: 0,
    empty: 0,
    full: 0,
    closed: 0,
    unknown: 0,
    available1: 0,
    available2: 0,
  }
  for (const { start, end, code } of segments) {
    const length = end - start
    if (code < 0) {
      figures.unknown += length
      continue
    }
    figures.known += length
    if (isEmpty(code)) figures.empty += length
    if (isFull(code)) figures.full += length
    if (isClosed(code)) figures.closed += length
    const bikes = usableBikes(code)
    const docks = usableDocks(code)
    if (bikes >= 1 && docks >= 1) figures.available1 += length
    if (bikes >= 2 && docks >= 2) figures.available2 += length
  }
  return figures
}

/** Whether a timeline is in the system at some moment of its window. */
export function inSystem(segments: readonly Segment[]): boolean {
  return segments.some((segment) => segment.code !== OFF)
}

/** A cluster's time out over a window, and what of it counts against the operator. */
export interface ClusterFigures {
  /** Out: no usable bike anywhere in it, or no operable dock anywhere in it. */
  out: number
  outEmpty: number
  outFull: number
  /** Of each outage, what lasted beyond `graceMs` in a row. */
  outage: number
  /** Outages longer than `graceMs`. */
  episodes: number
  longest: number
  /** A member in the system had no report, and the others could not rule an outage out. */
  unknown: number
}

type ClusterState = 'out-empty' | 'out-full' | 'out-both' | 'in' | 'unknown' | 'none'

function clusterState(codes: readonly number[]): ClusterState {
  let present = 0
  let unknown = false
  let bike = false
  let dock = false
  for (const code of codes) {
    if (code === OFF) continue
    present += 1
    if (code === UNKNOWN) {
      unknown = true
      continue
    }
    if (usableBikes(code) > 0) bike = true
    if (usableDocks(code) > 0) dock = true
  }
  if (present === 0) return 'none'
  // A known station with a bike and a dock settles it, whatever the unknown ones had.
  if (bike && dock) return 'in'
  if (unknown) return 'unknown'
  if (!bike && !dock) return 'out-both'
  return bike ? 'out-full' : 'out-empty'
}

/**
 * Sweeps the members' timelines (the cluster's own station among them) together. An outage is a
 * run of time out with no moment in between that is not; the time of each run beyond `graceMs`
 * counts, runs being cut at the window's edges.
 */
export function clusterFigures(members: readonly Segment[][], graceMs: number): ClusterFigures {
  const figures: ClusterFigures = {
    out: 0,
    outEmpty: 0,
    outFull: 0,
    outage: 0,
    episodes: 0,
    longest: 0,
    unknown: 0,
  }
  const cuts: number[] = []
  for (const segments of members) {
    for (const segment of segments) cuts.push(segment.start, segment.end)
  }
  if (cuts.length === 0) return figures
  cuts.sort((a, b) => a - b)

  const positions = members.map(() => 0)
  const codes = members.map(() => OFF)
  let run = 0
  let runEnd = -Infinity
  const endRun = () => {
    if (run > graceMs) {
      figures.outage += run - graceMs
      figures.episodes += 1
    }
    figures.longest = Math.max(figures.longest, run)
    run = 0
  }
  for (let i = 0; i < cuts.length - 1; i += 1) {
    const start = cuts[i] ?? 0
    const stop = cuts[i + 1] ?? 0
    if (stop <= start) continue
    members.forEach((segments, m) => {
      let p = positions[m] ?? 0
      while (p < segments.length && (segments[p]?.end ?? 0) <= start) p += 1
      positions[m] = p
      const segment = segments[p]
      codes[m] = segment && segment.start <= start ? segment.code : OFF
    })
    const state = clusterState(codes)
    const length = stop - start
    if (state === 'out-empty' || state === 'out-full' || state === 'out-both') {
      figures.out += length
      if (state !== 'out-full') figures.outEmpty += length
      if (state !== 'out-empty') figures.outFull += length
      if (runEnd !== start) endRun()
      run += length
      runEnd = stop
    } else {
      if (state === 'unknown') figures.unknown += length
      endRun()
      runEnd = -Infinity
    }
  }
  endRun()
  return figures
}
