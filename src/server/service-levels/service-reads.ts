/**
 * The service-level reads the console and `balancer report` show: the range's summary, its
 * stations, clusters and crews, and one day's report. Each is a plain function of the context.
 */
import {
  CLUSTER_RADIUS_METERS,
  type ServiceClusters,
  type ServiceCrews,
  type ServiceDay,
  type ServiceDayRequest,
  type ServiceRange,
  type ServiceReport,
  type ServiceStations,
  type ServiceSummary,
  shiftDay,
} from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import type { SystemRow } from '../systems/system-choice.js'
import { crewRows, taskCounts, taskDurations, type Instants } from './crews.repository.js'
import {
  checkDay,
  cluster,
  dollars,
  figures,
  header,
  minutesOf,
  round2,
  roundStats,
  sumFigures,
} from './service-figures.js'
import { localMidnights } from './service-levels.repository.js'
import { checkedSystem, openRange, type ServiceLevelsContext } from './service-refresh.js'
import { clusterRange, dataDays, stationRange, summaryDays } from './summaries.repository.js'

/** [from, to) local days as instants: midnight to midnight on the system's clock. */
export async function dayInstants(
  db: Database,
  system: SystemRow,
  from: string,
  to: string,
): Promise<Instants> {
  return { ...(await localMidnights(db, system.timezone, from, to)), timeZone: system.timezone }
}

async function crewsOf(
  db: Database,
  system: SystemRow,
  from: string,
  to: string,
): Promise<ServiceCrews> {
  const range = await dayInstants(db, system, from, to)
  const days: string[] = []
  for (let day = from; day < to; day = shiftDay(day, 1)) days.push(day)
  const [counts, durations, crews] = await Promise.all([
    taskCounts(db, system.systemId, range, days),
    taskDurations(db, system.systemId, range),
    crewRows(db, system.systemId, range),
  ])
  const totals = {
    created: 0,
    dispatched: 0,
    completed: 0,
    canceled: 0,
    released: 0,
    bikes_moved: 0,
  }
  for (const day of counts.days) {
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += day[key]
  }
  return {
    ...header(system),
    from,
    to,
    crews: crews.map((crew) => ({
      crew_id: crew.crew_id,
      name: crew.name,
      claimed: crew.claimed,
      completed: crew.completed,
      released: crew.released,
      canceled: crew.canceled,
      bikes_moved: crew.bikes_moved,
      hours_on_shift: round2(crew.hours_on_shift),
      bikes_per_hour:
        crew.hours_on_shift > 0 ? round2(crew.bikes_moved / crew.hours_on_shift) : null,
      claim_to_completion: roundStats(crew),
    })),
    days: counts.days,
    hours: counts.hours.map((hour) => ({ ...hour, start: hour.start.toISOString() })),
    totals,
    durations: {
      suggestion_to_approval: roundStats(durations.suggestion_to_approval),
      approval_to_claim: roundStats(durations.approval_to_claim),
      claim_to_completion: roundStats(durations.claim_to_completion),
    },
  }
}

async function summaryOf(
  db: Database,
  system: SystemRow,
  from: string,
  to: string,
): Promise<ServiceSummary> {
  const [rows, data] = await Promise.all([
    summaryDays(db, system.systemId, from, to),
    dataDays(db, system.systemId),
  ])
  const days: ServiceDay[] = rows.map((row) => ({
    day: row.day,
    complete: row.complete,
    as_of: row.as_of.toISOString(),
    stations: row.stations,
    snapshots: row.snapshots,
    bridge_minutes: row.bridge_seconds === null ? null : round2(row.bridge_seconds / 60),
    clusters: row.clusters,
    ...figures(row),
    cluster_outage_minutes: minutesOf(row.seconds_outage),
    cluster_outage_dollars: dollars(row.seconds_outage),
    cluster_episodes: row.episodes,
  }))
  const outage = rows.reduce((sum, row) => sum + row.seconds_outage, 0)
  return {
    ...header(system),
    from,
    to,
    data,
    days,
    totals: {
      days: days.length,
      ...figures(sumFigures(rows)),
      cluster_outage_minutes: minutesOf(outage),
      cluster_outage_dollars: dollars(outage),
      cluster_episodes: rows.reduce((sum, row) => sum + row.episodes, 0),
    },
  }
}

export async function summary(
  context: ServiceLevelsContext,
  range: ServiceRange,
): Promise<ServiceSummary> {
  const system = await openRange(context, range)
  return summaryOf(context.db, system, range.from, range.to)
}

/** A range read's start: its system chosen and freshened, its rows, and the answer's header. */
async function readRange<T>(
  context: ServiceLevelsContext,
  range: ServiceRange,
  read: (db: Database, systemId: string, from: string, to: string) => Promise<T>,
) {
  const system = await openRange(context, range)
  const rows = await read(context.db, system.systemId, range.from, range.to)
  return { rows, head: { ...header(system), from: range.from, to: range.to } }
}

export async function stations(
  context: ServiceLevelsContext,
  range: ServiceRange,
): Promise<ServiceStations> {
  const { rows, head } = await readRange(context, range, stationRange)
  return {
    ...head,
    stations: rows.map((row) => ({
      station_id: row.station_id,
      name: row.name,
      days: row.days,
      ...figures(row),
      cluster_outage_minutes: minutesOf(row.seconds_outage),
    })),
  }
}

export async function clusters(
  context: ServiceLevelsContext,
  range: ServiceRange,
): Promise<ServiceClusters> {
  const { rows, head } = await readRange(context, range, (db, systemId, from, to) =>
    clusterRange(db, systemId, from, to),
  )
  return { ...head, radius_meters: round2(CLUSTER_RADIUS_METERS), clusters: rows.map(cluster) }
}

export async function crews(
  context: ServiceLevelsContext,
  range: ServiceRange,
): Promise<ServiceCrews> {
  const system = await checkedSystem(context.db, range)
  return crewsOf(context.db, system, range.from, range.to)
}

export async function report(
  context: ServiceLevelsContext,
  request: ServiceDayRequest,
): Promise<ServiceReport> {
  const { db } = context
  const day = checkDay('day', request.day)
  const to = shiftDay(day, 1)
  const system = await openRange(context, { system: request.system, from: day, to })
  const [summary, stations, clusters, crews] = await Promise.all([
    summaryOf(db, system, day, to),
    stationRange(db, system.systemId, day, to),
    clusterRange(db, system.systemId, day, to, { withOutageOnly: true }),
    crewsOf(db, system, day, to),
  ])
  // A day without status history is a report of nothing, not an error: the console shows
  // it as such and steps on to the next day; `balancer report` says so and exits 1.
  const summaryDay: ServiceDay = summary.days[0] ?? {
    day,
    complete: true,
    as_of: new Date().toISOString(),
    stations: 0,
    snapshots: 0,
    bridge_minutes: null,
    clusters: 0,
    ...figures(sumFigures([])),
    cluster_outage_minutes: 0,
    cluster_outage_dollars: 0,
    cluster_episodes: 0,
  }
  return {
    day,
    stations: stations
      .map((row) => ({ station_id: row.station_id, name: row.name, ...figures(row) }))
      .sort((a, b) => (a.station_id < b.station_id ? -1 : a.station_id > b.station_id ? 1 : 0)),
    cluster_outage_minutes: summaryDay.cluster_outage_minutes,
    ...header(system),
    summary: summaryDay,
    data: summary.data,
    clusters: clusters.map(cluster),
    crews: crews.crews,
    tasks: crews.totals,
    durations: crews.durations,
  }
}
