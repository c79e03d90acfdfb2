import type { StationHistory } from './stations.js'

/** A moment of a station's history as drawn and exported: null figures where nothing is known. */
export interface TimelineRow {
  /** Ms since the epoch. */
  at: number
  bikes: number | null
  ebikes: number | null
  docks: number | null
  minBikes: number | null
  maxBikes: number | null
  isRenting: boolean | null
}

const UNKNOWN = {
  bikes: null,
  ebikes: null,
  docks: null,
  minBikes: null,
  maxBikes: null,
  isRenting: null,
} as const

/**
 * The history's points with its gaps cut out: a state runs up to a gap's start, nothing is drawn
 * across the gap (a row of nulls there breaks the line), and the state in force at its end
 * starts again there. Points inside a gap only repeat the last state known, so they go.
 */
export function historyTimeline(history: Pick<StationHistory, 'points' | 'gaps'>): TimelineRow[] {
  const points = history.points.map((point) => ({
    at: Date.parse(point.at),
    bikes: point.bikes,
    ebikes: point.ebikes,
    docks: point.docks,
    minBikes: point.minBikes,
    maxBikes: point.maxBikes,
    isRenting: point.isRenting,
  }))
  const gaps = history.gaps
    .map((gap) => ({ from: Date.parse(gap.from), to: Date.parse(gap.to) }))
    .sort((a, b) => a.from - b.from)
  const last = points[points.length - 1]
  if (gaps.length === 0 || !last) return points
  // A reading at a gap's start is the last one before it, and stays; the range's first point is
  // only the state carried in from before, and is not known when a gap starts there.
  const start = points[0]?.at
  const inGap = (at: number) =>
    gaps.some((gap) => (at > gap.from || at === start) && at >= gap.from && at < gap.to)
  /** The state in force at `at`: the last point at or before it. */
  const heldAt = (at: number) => {
    let held: TimelineRow | undefined
    for (const point of points) {
      if (point.at > at) break
      held = point
    }
    return held
  }
  // The last point repeats the last state at the range's end: after a gap that is not known.
  const endsInGap = gaps.some((gap) => gap.to === last.at) && points.length > 1
  const rows: TimelineRow[] = points.filter(
    (point) => !inGap(point.at) && !(endsInGap && point === last),
  )
  for (const gap of gaps) {
    const before = heldAt(gap.from)
    // The state before the gap reaches its start (when it was known just before it).
    if (before && before.at < gap.from && !inGap(before.at)) rows.push({ ...before, at: gap.from })
    rows.push({ at: gap.from, ...UNKNOWN })
    const after = heldAt(gap.to)
    if (after && gap.to < last.at && !inGap(gap.to) && !points.some((p) => p.at === gap.to)) {
      rows.push({ ...after, at: gap.to })
    }
  }
  // At one instant the state that runs up to a gap comes before the gap's nulls.
  return rows.sort((a, b) => a.at - b.at || (a.bikes === null ? 1 : 0) - (b.bikes === null ? 1 : 0))
}
