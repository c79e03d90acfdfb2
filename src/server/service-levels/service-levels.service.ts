import {
  CLUSTER_RADIUS_METERS,
  MAX_SERVICE_DAYS,
  OUTAGE_DOLLARS_PER_MINUTE,
  SERVICE_HOURS,
  TASK_EFFECT_MINUTES,
  type ServiceCluster,
  type ServiceClusters,
  type ServiceCrews,
  type ServiceDay,
  type ServiceDayRequest,
  type ServiceFigures,
  type ServiceRange,
  type ServiceRefreshReport,
  type ServiceRefreshRequest,
  type ServiceReport,
  type ServiceStations,
  type ServiceSummary,
  type ServiceTaskEffects,
  type TaskEffectSide,
  shiftDay,
} from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import { asLongWork } from '../db/work-limits.js'
import { ServiceError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { chooseSystem, type SystemRow } from '../systems/system-choice.js'
import {
  completedTasks,
  crewRows,
  taskCounts,
  taskDurations,
  type Instants,
} from './crews.repository.js'
import { computeDay, snapshotTimes, timelines } from './daily.js'
import {
  databaseNow,
  daysWithSnapshots,
  loadHistory,
  localMidnights,
  pollSpacingMs,
  serviceWindows,
  summarisedDays,
  writeDay,
  type Clusters,
  type SecondsByState,
  type ServiceWindow,
} from './service-levels.repository.js'
import {
  clusterRange,
  dataDays,
  stationRange,
  summaryDays,
  type ClusterRangeRow,
} from './summaries.repository.js'
import { coverage, stationFigures, type Segment, type Span } from './timeline.js'

export interface ServiceLevelsService {
  summary(range: ServiceRange): Promise<ServiceSummary>
  stations(range: ServiceRange): Promise<ServiceStations>
  clusters(range: ServiceRange): Promise<ServiceClusters>
  crews(range: ServiceRange): Promise<ServiceCrews>
  taskEffects(range: ServiceRange): Promise<ServiceTaskEffects>
  report(request: ServiceDayRequest): Promise<ServiceReport>
  /**
   * Computes the days new snapshots can have changed (those not summarised yet, and those not
   * complete), or every day of the range with `rebuild`. Days without status history are skipped.
   */
  refresh(request?: ServiceRefreshRequest): Promise<ServiceRefreshReport>
}

export interface ServiceLevelsDeps {
  db: Database
  logger?: Logger
  /**
   * An incomplete day (today) read older than this is recomputed before it is answered: a
   * console that does not poll (or a command) still sees today move. The polling console's job
   * keeps it fresher than this, so a page read rarely pays for it.
   */
  readStaleMs?: number
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** A real calendar date, or a 400 naming the field. */
function checkDay(name: string, text: string): string {
  const match = DAY.exec(text)
  const date = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : null
  if (!date || date.toISOString().slice(0, 10) !== text) {
    throw new ServiceError('invalid', 'invalid_day', `${name} "${text}" is not a date (2023-07-12)`)
  }
  return text
}

function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

function checkRange(from: string, to: string): void {
  checkDay('from', from)
  checkDay('to', to)
  const days = dayCount(from, to)
  if (days <= 0) {
    throw new ServiceError('invalid', 'invalid_range', `to (${to}) must be after from (${from})`)
  }
  if (days > MAX_SERVICE_DAYS) {
    throw new ServiceError(
      'invalid',
      'range_too_large',
      `${from} to ${to} is ${days} days; at most ${MAX_SERVICE_DAYS} per request`,
    )
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100
const minutesOf = (seconds: number) => round2(seconds / 60)
const shareOf = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null

function figures(row: SecondsByState): ServiceFigures {
  return {
    minutes_empty: minutesOf(row.seconds_empty),
    minutes_full: minutesOf(row.seconds_full),
    minutes_unknown: minutesOf(row.seconds_unknown),
    minutes_closed: minutesOf(row.seconds_closed),
    minutes_known: minutesOf(row.seconds_known),
    availability_1: shareOf(row.seconds_available_1, row.seconds_known),
    availability_2: shareOf(row.seconds_available_2, row.seconds_known),
  }
}

function sumFigures(rows: readonly SecondsByState[]): SecondsByState {
  const total: SecondsByState = {
    seconds_known: 0,
    seconds_empty: 0,
    seconds_full: 0,
    seconds_closed: 0,
    seconds_unknown: 0,
    seconds_available_1: 0,
    seconds_available_2: 0,
  }
  for (const row of rows) {
    for (const key of Object.keys(total) as (keyof SecondsByState)[]) total[key] += row[key]
  }
  return total
}

const dollars = (outageSeconds: number) => round2((outageSeconds / 60) * OUTAGE_DOLLARS_PER_MINUTE)

function cluster(row: ClusterRangeRow): ServiceCluster {
  return {
    station_id: row.station_id,
    name: row.name,
    members: row.members,
    outage_minutes: minutesOf(row.seconds_outage),
    outage_dollars: dollars(row.seconds_outage),
    minutes_out: minutesOf(row.seconds_out),
    minutes_out_empty: minutesOf(row.seconds_out_empty),
    minutes_out_full: minutesOf(row.seconds_out_full),
    episodes: row.episodes,
    longest_minutes: minutesOf(row.longest_seconds),
  }
}

function header(system: SystemRow) {
  return {
    system_id: system.systemId,
    system_name: system.name,
    time_zone: system.timezone,
    service_hours: { start: SERVICE_HOURS.start, end: SERVICE_HOURS.end },
  }
}

/** Minutes of a station's timeline inside `window` by state, for the task effects. */
function minutesWithin(segments: readonly Segment[], window: Span) {
  const clipped: Segment[] = []
  for (const segment of segments) {
    const start = Math.max(segment.start, window.start)
    const end = Math.min(segment.end, window.end)
    if (end > start) clipped.push({ start, end, code: segment.code })
  }
  const f = stationFigures(clipped)
  const covered = f.known + f.unknown
  return {
    empty: minutesOf(f.empty / 1000),
    full: minutesOf(f.full / 1000),
    // Time the timeline does not reach (before the history starts) is unknown too.
    unknown: minutesOf((f.unknown + Math.max(0, window.end - window.start - covered)) / 1000),
  }
}

export function createServiceLevelsService(deps: ServiceLevelsDeps): ServiceLevelsService {
  const { db } = deps
  const logger = deps.logger ?? silentLogger()
  const readStaleMs = deps.readStaleMs ?? 60_000

  /** Computes and stores `windows` (days whose service hours have begun by `asOf`). */
  async function compute(system: SystemRow, windows: readonly ServiceWindow[], asOf: Date) {
    const clusterCache = new Map<string, Clusters>()
    const done: ServiceRefreshReport['days'] = []
    for (const window of windows) {
      if (window.start.getTime() >= asOf.getTime()) continue
      const day = await computeDay(db, system.systemId, window, asOf, clusterCache)
      await writeDay(db, system.systemId, day.day, day.stations, day.clusters)
      done.push({ day: window.day, complete: day.day.complete, ms: round2(day.day.computeMs) })
    }
    return done
  }

  /** The days of [from, to) with status history, as service windows. */
  async function windowsWithData(system: SystemRow, range: { from?: string; to?: string }) {
    const days = await daysWithSnapshots(db, system.systemId, system.timezone, range)
    if (days.length === 0) return []
    const first = days[0] ?? ''
    const last = days[days.length - 1] ?? first
    const wanted = new Set(days)
    const windows = await serviceWindows(db, system.timezone, first, shiftDay(last, 1))
    return windows.filter((window) => wanted.has(window.day))
  }

  /** Before a read: the range's days not summarised yet, and today if its figures are old. */
  async function freshen(system: SystemRow, from: string, to: string): Promise<void> {
    const windows = await windowsWithData(system, { from, to })
    if (windows.length === 0) return
    const [known, asOf] = await Promise.all([
      summarisedDays(
        db,
        system.systemId,
        windows.map((window) => window.day),
      ),
      databaseNow(db),
    ])
    const stale = windows.filter((window) => {
      const day = known.get(window.day)
      return !day || (!day.complete && asOf.getTime() - day.asOf.getTime() > readStaleMs)
    })
    if (stale.length > 0) await compute(system, stale, asOf)
  }

  async function open(range: ServiceRange): Promise<SystemRow> {
    checkRange(range.from, range.to)
    const system = await chooseSystem(db, range.system)
    await freshen(system, range.from, range.to)
    return system
  }

  /** [from, to) local days as instants: midnight to midnight on the system's clock. */
  async function dayInstants(system: SystemRow, from: string, to: string): Promise<Instants> {
    return { ...(await localMidnights(db, system.timezone, from, to)), timeZone: system.timezone }
  }

  async function crewsOf(system: SystemRow, from: string, to: string): Promise<ServiceCrews> {
    const range = await dayInstants(system, from, to)
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

  async function summaryOf(system: SystemRow, from: string, to: string): Promise<ServiceSummary> {
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

  return {
    async summary(range) {
      const system = await open(range)
      return summaryOf(system, range.from, range.to)
    },

    async stations(range) {
      const system = await open(range)
      const rows = await stationRange(db, system.systemId, range.from, range.to)
      return {
        ...header(system),
        from: range.from,
        to: range.to,
        stations: rows.map((row) => ({
          station_id: row.station_id,
          name: row.name,
          days: row.days,
          ...figures(row),
          cluster_outage_minutes: minutesOf(row.seconds_outage),
        })),
      }
    },

    async clusters(range) {
      const system = await open(range)
      const rows = await clusterRange(db, system.systemId, range.from, range.to)
      return {
        ...header(system),
        from: range.from,
        to: range.to,
        radius_meters: round2(CLUSTER_RADIUS_METERS),
        clusters: rows.map(cluster),
      }
    },

    async crews(range) {
      checkRange(range.from, range.to)
      const system = await chooseSystem(db, range.system)
      return crewsOf(system, range.from, range.to)
    },

    async taskEffects(range) {
      checkRange(range.from, range.to)
      const system = await chooseSystem(db, range.system)
      const [instantsOf, asOf] = await Promise.all([
        dayInstants(system, range.from, range.to),
        databaseNow(db),
      ])
      const tasks = await completedTasks(db, system.systemId, instantsOf)
      const windowMs = TASK_EFFECT_MINUTES * 60_000
      const now = asOf.getTime()
      const effects: ServiceTaskEffects['tasks'] = []
      // One history per local day of completions: a day's tasks share their snapshots.
      const byDay = new Map<string, typeof tasks>()
      for (const task of tasks) {
        const key = task.completed_at.toISOString().slice(0, 10)
        byDay.set(key, [...(byDay.get(key) ?? []), task])
      }
      for (const group of byDay.values()) {
        const first = group[0]
        const last = group[group.length - 1]
        if (!first || !last) continue
        const span = {
          start: first.completed_at.getTime() - windowMs,
          end: Math.min(last.completed_at.getTime() + windowMs, now),
        }
        const stationIds = [
          ...new Set(group.flatMap((task) => [task.from_station_id, task.to_station_id])),
        ]
        const [history, pollSpacing] = await Promise.all([
          loadHistory(db, system.systemId, new Date(span.start), new Date(span.end), stationIds),
          pollSpacingMs(db, system.systemId, new Date(span.end)),
        ])
        const covered = coverage(snapshotTimes(history, pollSpacing), span, now)
        const lines = timelines(history, covered, span, now)
        for (const task of group) {
          const at = task.completed_at.getTime()
          const before = { start: at - windowMs, end: at }
          const after = { start: at, end: Math.min(at + windowMs, now) }
          const side = (stationId: string, name: string): TaskEffectSide => {
            const segments = lines.get(stationId) ?? []
            const b = minutesWithin(segments, before)
            const a = minutesWithin(segments, after)
            return {
              station_id: stationId,
              name,
              minutes_empty_before: b.empty,
              minutes_empty_after: a.empty,
              minutes_full_before: b.full,
              minutes_full_after: a.full,
              minutes_unknown_before: b.unknown,
              minutes_unknown_after: a.unknown,
            }
          }
          effects.push({
            task_id: task.id,
            worker_id: task.worker_id,
            completed_at: task.completed_at.toISOString(),
            qty: task.qty,
            bikes_moved: task.bikes_moved,
            from_station: side(task.from_station_id, task.from_name),
            to_station: side(task.to_station_id, task.to_name),
            after_minutes: round2((after.end - after.start) / 60_000),
          })
        }
      }
      const sum = (pick: (effect: ServiceTaskEffects['tasks'][number]) => number) =>
        round2(effects.reduce((total, effect) => total + pick(effect), 0))
      return {
        ...header(system),
        from: range.from,
        to: range.to,
        window_minutes: TASK_EFFECT_MINUTES,
        tasks: effects,
        totals: {
          tasks: effects.length,
          source_minutes_full_before: sum((e) => e.from_station.minutes_full_before),
          source_minutes_full_after: sum((e) => e.from_station.minutes_full_after),
          sink_minutes_empty_before: sum((e) => e.to_station.minutes_empty_before),
          sink_minutes_empty_after: sum((e) => e.to_station.minutes_empty_after),
        },
      }
    },

    async report(request) {
      const day = checkDay('day', request.day)
      const to = shiftDay(day, 1)
      const system = await open({ system: request.system, from: day, to })
      const [summary, stations, clusters, crews] = await Promise.all([
        summaryOf(system, day, to),
        stationRange(db, system.systemId, day, to),
        clusterRange(db, system.systemId, day, to, { withOutageOnly: true }),
        crewsOf(system, day, to),
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
    },

    // A long job: a rebuild of months of status reads and writes for minutes.
    refresh(request = {}) {
      return asLongWork(async () => {
        if (request.from) checkDay('from', request.from)
        if (request.to) checkDay('to', request.to)
        if (request.from && request.to) checkRange(request.from, request.to)
        const started = performance.now()
        const system = await chooseSystem(db, request.system)
        const [windows, asOf] = await Promise.all([
          windowsWithData(system, { from: request.from, to: request.to }),
          databaseNow(db),
        ])
        let due = windows
        if (!request.rebuild) {
          const known = await summarisedDays(
            db,
            system.systemId,
            windows.map((window) => window.day),
          )
          due = windows.filter((window) => !known.get(window.day)?.complete)
        }
        const days = await compute(system, due, asOf)
        if (days.length > 0) {
          logger.debug({ system: system.systemId, days: days.length }, 'service levels refreshed')
        }
        return {
          system_id: system.systemId,
          days,
          seconds: round2((performance.now() - started) / 1000),
        }
      })
    },
  }
}

function roundStats(stats: {
  count: number
  median_minutes: number | null
  p90_minutes: number | null
  mean_minutes: number | null
}) {
  const r = (value: number | null) => (value === null ? null : round2(value))
  return {
    count: stats.count,
    median_minutes: r(stats.median_minutes),
    p90_minutes: r(stats.p90_minutes),
    mean_minutes: r(stats.mean_minutes),
  }
}
