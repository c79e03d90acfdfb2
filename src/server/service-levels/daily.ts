import { OUTAGE_GRACE_MINUTES } from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import {
  buildClusters,
  loadHistory,
  pollSpacingMs,
  type ClusterDayRow,
  type Clusters,
  type DayRow,
  type History,
  type ServiceWindow,
  type StationDayRow,
} from './service-levels.repository.js'
import {
  clusterFigures,
  coverage,
  inSystem,
  stationFigures,
  stationTimeline,
  type Segment,
  type SnapshotTime,
  type Span,
} from './timeline.js'

const GRACE_MS = OUTAGE_GRACE_MINUTES * 60_000

/** A spacing up to twice the median is bridged. */
const BRIDGE_FACTOR = 2

/**
 * The bridge of each snapshot: an imported history's own (twice its median spacing, fixed when
 * it was imported), or for polls twice the median spacing of the week of polls before `end`.
 */
export function snapshotTimes(history: History, pollSpacing: number | null): SnapshotTime[] {
  return history.snapshots.map((snapshot) => {
    const spacing =
      snapshot.source === 'import' && snapshot.importId !== null
        ? (history.importSpacingMs.get(snapshot.importId) ?? null)
        : pollSpacing
    return { at: snapshot.at, bridgeMs: spacing === null ? 0 : BRIDGE_FACTOR * spacing }
  })
}

/** Every station's timeline over `window`, for those in the system at some moment of it. */
export function timelines(
  history: History,
  covered: readonly Span[],
  window: Span,
  asOf: number,
): Map<string, Segment[]> {
  const result = new Map<string, Segment[]>()
  for (const [stationId, rows] of history.rows) {
    const segments = stationTimeline(
      rows,
      covered,
      history.absences.get(stationId) ?? [],
      window,
      asOf,
    )
    if (inSystem(segments)) result.set(stationId, segments)
  }
  return result
}

const seconds = (ms: number) => ms / 1000

/** A computed day: what writeDay stores. */
export interface ComputedDay {
  day: DayRow
  stations: StationDayRow[]
  clusters: ClusterDayRow[]
}

/**
 * One day's service levels from the history: each station's seconds in each state and each
 * cluster's outages over the service hours up to `asOf`. `clusterCache` keeps the clusters of a
 * set of stations across the days of one refresh (the set rarely changes).
 */
export async function computeDay(
  db: Database,
  systemId: string,
  window: ServiceWindow,
  asOf: Date,
  clusterCache: Map<string, Clusters>,
): Promise<ComputedDay> {
  const started = performance.now()
  const span = { start: window.start.getTime(), end: window.end.getTime() }
  const now = asOf.getTime()
  const [history, pollSpacing] = await Promise.all([
    loadHistory(db, systemId, window.start, window.end),
    pollSpacingMs(db, systemId, new Date(Math.min(span.end, now))),
  ])
  const snapshots = snapshotTimes(history, pollSpacing)
  const covered = coverage(snapshots, span, now)
  const lines = timelines(history, covered, span, now)

  const stations: StationDayRow[] = []
  for (const [stationId, segments] of lines) {
    const figures = stationFigures(segments)
    stations.push({
      station_id: stationId,
      seconds_known: seconds(figures.known),
      seconds_empty: seconds(figures.empty),
      seconds_full: seconds(figures.full),
      seconds_closed: seconds(figures.closed),
      seconds_unknown: seconds(figures.unknown),
      seconds_available_1: seconds(figures.available1),
      seconds_available_2: seconds(figures.available2),
    })
  }

  const ids = [...lines.keys()].sort()
  const key = ids.join('\n')
  let clusters = clusterCache.get(key)
  if (!clusters) {
    clusters = ids.length > 0 ? await buildClusters(db, systemId, ids) : new Map()
    clusterCache.set(key, clusters)
  }
  const clusterRows: ClusterDayRow[] = []
  for (const [stationId, members] of clusters) {
    const own = lines.get(stationId)
    if (!own) continue
    const figures = clusterFigures(
      [own, ...members.map((member) => lines.get(member.stationId) ?? [])],
      GRACE_MS,
    )
    clusterRows.push({
      station_id: stationId,
      members: members.map((member) => member.stationId),
      seconds_out: seconds(figures.out),
      seconds_out_empty: seconds(figures.outEmpty),
      seconds_out_full: seconds(figures.outFull),
      seconds_outage: seconds(figures.outage),
      episodes: figures.episodes,
      longest_seconds: seconds(figures.longest),
    })
  }

  const inWindow = snapshots.filter((s) => s.at >= span.start && s.at < span.end)
  const last = snapshots.filter((s) => s.at < span.end).at(-1)
  const next = snapshots.find((s) => s.at >= span.end)
  // Nothing still to come can change the day once it is over and either the poll after it has
  // arrived or the last poll is already further back than its bridge (the gap stays unknown).
  const complete =
    now >= span.end && (next !== undefined || last === undefined || now - last.at > last.bridgeMs)
  const bridge = inWindow[0]?.bridgeMs ?? last?.bridgeMs ?? null
  return {
    day: {
      day: window.day,
      windowStart: window.start,
      windowEnd: window.end,
      asOf,
      complete,
      snapshots: inWindow.length,
      bridgeSeconds: bridge ? bridge / 1000 : null,
      computeMs: performance.now() - started,
    },
    stations,
    clusters: clusterRows,
  }
}
