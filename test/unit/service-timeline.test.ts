import { describe, expect, it } from 'vitest'
import {
  clusterFigures,
  coverage,
  OFF,
  stateClass,
  stationFigures,
  stationTimeline,
  UNKNOWN,
  type Segment,
  type SnapshotTime,
  type StationRows,
} from '../../src/server/service-levels/timeline.js'

const MIN = 60_000
/** Minutes after 06:00 of a made-up day, as milliseconds since the epoch. */
const at = (minutes: number) => Date.UTC(2023, 6, 12, 13) + minutes * MIN
const WINDOW = { start: at(0), end: at(16 * 60) }
const LATER = at(24 * 60)

const EMPTY = stateClass({
  bikes: 0,
  docks: 15,
  isInstalled: true,
  isRenting: true,
  isReturning: true,
})
const FULL = stateClass({
  bikes: 15,
  docks: 0,
  isInstalled: true,
  isRenting: true,
  isReturning: true,
})
const ONE_EACH = stateClass({
  bikes: 1,
  docks: 1,
  isInstalled: true,
  isRenting: true,
  isReturning: true,
})
const PLENTY = stateClass({
  bikes: 8,
  docks: 7,
  isInstalled: true,
  isRenting: true,
  isReturning: true,
})
const CLOSED = stateClass({
  bikes: 0,
  docks: 0,
  isInstalled: false,
  isRenting: false,
  isReturning: false,
})

/** Snapshots at these minutes, each bridging up to `bridge` minutes to the next. */
function polls(minutes: readonly number[], bridge: number): SnapshotTime[] {
  return minutes.map((m) => ({ at: at(m), bridgeMs: bridge * MIN }))
}

/** A station's changes: [minute, class] pairs. */
function rows(...changes: [number, number][]): StationRows {
  return { at: changes.map(([m]) => at(m)), cls: changes.map(([, cls]) => cls) }
}

const minutes = (ms: number) => ms / MIN

/** Minutes from `from` to `to` (inclusive) every `step`. */
function every(step: number, from: number, to: number): number[] {
  const out: number[] = []
  for (let m = from; m <= to; m += step) out.push(m)
  return out
}

function figuresOf(
  history: StationRows,
  snapshots: SnapshotTime[],
  absent: { start: number; end: number }[] = [],
) {
  const covered = coverage(snapshots, WINDOW, LATER)
  return stationFigures(stationTimeline(history, covered, absent, WINDOW, LATER))
}

describe('a station’s minutes', () => {
  it('hold each polled state until the next poll', () => {
    // Polls every 5 minutes, and one at 97: empty from the poll at 60 to the poll at 97.
    const snapshots = polls([...every(5, 0, 95), 97, ...every(5, 100, 960)], 10)
    const f = figuresOf(rows([-30, PLENTY], [60, EMPTY], [97, PLENTY]), snapshots)
    expect(minutes(f.empty)).toBe(37)
    expect(minutes(f.unknown)).toBe(0)
    expect(minutes(f.known)).toBe(16 * 60)
  })

  it('count a station empty for exactly 37 minutes across a polling gap that is bridged', () => {
    // Median spacing 5 min, so up to 10 min is bridged: the 9-minute gap from 20 to 29 is.
    const snapshots = polls([0, 5, 10, 15, 20, 29, 34, 38, 42, ...every(5, 45, 960)], 10)
    const f = figuresOf(rows([-10, PLENTY], [5, EMPTY], [42, PLENTY]), snapshots)
    expect(minutes(f.empty)).toBe(37)
    expect(f.unknown).toBe(0)
  })

  it('do not bridge a gap longer than the bridge: it is unknown, not empty', () => {
    // Empty from 5; no poll between 20 and 50 (30 min > 10): 15 + 22 minutes empty, 30 unknown.
    const snapshots = polls([0, 5, 10, 15, 20, 50, 55, 60, 65, 70, 72], 10)
    const f = figuresOf(rows([-10, PLENTY], [5, EMPTY], [72, PLENTY]), snapshots)
    expect(minutes(f.empty)).toBe(15 + 22)
    // The gap, and everything after the last poll (no next poll: not bridged either).
    expect(minutes(f.unknown)).toBe(30 + (16 * 60 - 72))
  })

  it('keep the last state until now while the feed is live, and no further', () => {
    const now = at(100)
    const snapshots = polls([0, 5, 10, 95], 10)
    const covered = coverage(snapshots, WINDOW, now)
    const segments = stationTimeline(rows([-5, EMPTY]), covered, [], WINDOW, now)
    const f = stationFigures(segments)
    // 10 to 95 is a gap; 95 to now (5 minutes, within the bridge) holds; after now nothing counts.
    expect(minutes(f.empty)).toBe(10 + 5)
    expect(minutes(f.unknown)).toBe(85)
    expect(minutes(f.known + f.unknown)).toBe(100)
  })

  it('count full, closed and availability apart, and only inside the service hours', () => {
    const snapshots = polls(
      Array.from({ length: 200 }, (_, i) => -60 + i * 6),
      12,
    )
    const f = figuresOf(rows([-60, FULL], [30, ONE_EACH], [90, CLOSED], [120, PLENTY]), snapshots)
    expect(minutes(f.full)).toBe(30)
    expect(minutes(f.closed)).toBe(30)
    expect(minutes(f.available1)).toBe(60 + (16 * 60 - 120))
    expect(minutes(f.available2)).toBe(16 * 60 - 120)
    expect(minutes(f.empty)).toBe(0)
  })

  it('are unknown while the status file leaves the station out, and before its first report', () => {
    const snapshots = polls(
      Array.from({ length: 200 }, (_, i) => i * 5),
      10,
    )
    const history = rows([100, EMPTY])
    const f = figuresOf(history, snapshots, [{ start: at(200), end: at(260) }])
    expect(minutes(f.unknown)).toBe(100 + 60)
    expect(minutes(f.empty)).toBe(16 * 60 - 160)
  })
})

describe('coverage', () => {
  it('merges bridged spans and stops at the window and at now', () => {
    const spans = coverage(polls([-10, 0, 5, 30, 35], 10), WINDOW, at(40))
    expect(spans.map((s) => [minutes(s.start - at(0)), minutes(s.end - at(0))])).toEqual([
      [0, 5],
      [30, 40],
    ])
  })
})

/** A timeline over the whole window in pieces: [from minute, code]. */
function line(...pieces: [number, number][]): Segment[] {
  return pieces.map(([m, code], i) => ({
    start: at(m),
    end: i + 1 < pieces.length ? at(pieces[i + 1]?.[0] ?? 0) : WINDOW.end,
    code,
  }))
}

const GRACE = 10 * MIN

describe('a cluster’s outage', () => {
  it('is none while one of three stations keeps a bike', () => {
    const f = clusterFigures(
      [line([0, EMPTY]), line([0, EMPTY]), line([0, ONE_EACH], [100, EMPTY], [115, ONE_EACH])],
      GRACE,
    )
    // Out only while the third had none too: 15 minutes, of which 5 count.
    expect(minutes(f.out)).toBe(15)
    expect(minutes(f.outEmpty)).toBe(15)
    expect(minutes(f.outage)).toBe(5)
    expect(f.episodes).toBe(1)
  })

  it('counts nothing for exactly 10 minutes out, and the minute beyond for 11', () => {
    const ten = clusterFigures([line([0, PLENTY], [60, FULL], [70, PLENTY])], GRACE)
    expect(minutes(ten.out)).toBe(10)
    expect(ten.outage).toBe(0)
    expect(ten.episodes).toBe(0)
    const eleven = clusterFigures([line([0, PLENTY], [60, FULL], [71, PLENTY])], GRACE)
    expect(minutes(eleven.outage)).toBe(1)
    expect(eleven.episodes).toBe(1)
  })

  it('is one outage across a change of which station lacks what', () => {
    // Empty for 8 minutes, then full for 8: out 16 minutes in a row, 6 count.
    const f = clusterFigures([line([0, PLENTY], [20, EMPTY], [28, FULL], [36, PLENTY])], GRACE)
    expect(minutes(f.out)).toBe(16)
    expect(minutes(f.outage)).toBe(6)
  })

  it('cannot be claimed while a member has no report, unless another settles it', () => {
    const unknown = clusterFigures([line([0, EMPTY]), line([0, UNKNOWN])], GRACE)
    expect(unknown.out).toBe(0)
    expect(minutes(unknown.unknown)).toBe(16 * 60)
    const settled = clusterFigures([line([0, PLENTY]), line([0, UNKNOWN])], GRACE)
    expect(settled.unknown).toBe(0)
  })

  it('leaves out a member not in the system (not reported yet, or left out of the feed)', () => {
    const f = clusterFigures([line([0, EMPTY]), line([0, OFF], [480, PLENTY])], GRACE)
    expect(minutes(f.out)).toBe(480)
    expect(minutes(f.outage)).toBe(470)
  })

  it('starts counting at 06:00 for an outage that began before', () => {
    // The timelines are cut at the window: out from its first minute to 06:15.
    const f = clusterFigures([line([0, EMPTY], [15, PLENTY])], GRACE)
    expect(minutes(f.outage)).toBe(5)
  })
})
