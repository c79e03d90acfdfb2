/**
 * Keeping the stored daily summaries current: computing the days new snapshots can have
 * changed, before a read (`freshen`) or as a job (`refresh`).
 */
import {
  type ServiceRange,
  type ServiceRefreshReport,
  type ServiceRefreshRequest,
  shiftDay,
} from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import { asLongWork } from '../db/work-limits.js'
import type { Logger } from '../logger.js'
import { chooseSystem, type SystemRow } from '../systems/system-choice.js'
import { computeDay } from './daily.js'
import { checkDay, checkRange, round2 } from './service-figures.js'
import {
  databaseNow,
  daysWithSnapshots,
  serviceWindows,
  summarisedDays,
  writeDay,
  type Clusters,
  type ServiceWindow,
} from './service-levels.repository.js'

/** What the service-level functions work over: the database and the service's settings. */
export interface ServiceLevelsContext {
  db: Database
  logger: Logger
  /** See `ServiceLevelsDeps.readStaleMs`. */
  readStaleMs: number
}

/** Computes and stores `windows` (days whose service hours have begun by `asOf`). */
async function compute(
  db: Database,
  system: SystemRow,
  windows: readonly ServiceWindow[],
  asOf: Date,
): Promise<ServiceRefreshReport['days']> {
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
async function windowsWithData(
  db: Database,
  system: SystemRow,
  range: { from?: string; to?: string },
): Promise<ServiceWindow[]> {
  const days = await daysWithSnapshots(db, system.systemId, system.timezone, range)
  if (days.length === 0) return []
  const first = days[0] ?? ''
  const last = days[days.length - 1] ?? first
  const wanted = new Set(days)
  const windows = await serviceWindows(db, system.timezone, first, shiftDay(last, 1))
  return windows.filter((window) => wanted.has(window.day))
}

/** Before a read: the range's days not summarised yet, and today if its figures are old. */
async function freshen(
  context: ServiceLevelsContext,
  system: SystemRow,
  from: string,
  to: string,
): Promise<void> {
  const { db, readStaleMs } = context
  const windows = await windowsWithData(db, system, { from, to })
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
  if (stale.length > 0) await compute(db, system, stale, asOf)
}

/** The range checked (a 400 naming the field) and the system it means. */
export async function checkedSystem(db: Database, range: ServiceRange): Promise<SystemRow> {
  checkRange(range.from, range.to)
  return chooseSystem(db, range.system)
}

/** A read's start: the range checked, its system chosen, and its summaries brought up to date. */
export async function openRange(
  context: ServiceLevelsContext,
  range: ServiceRange,
): Promise<SystemRow> {
  const system = await checkedSystem(context.db, range)
  await freshen(context, system, range.from, range.to)
  return system
}

/**
 * Computes the days new snapshots can have changed (those not summarised yet, and those not
 * complete), or every day of the range with `rebuild`. Days without status history are skipped.
 */
export function refresh(
  context: ServiceLevelsContext,
  request: ServiceRefreshRequest = {},
): Promise<ServiceRefreshReport> {
  const { db, logger } = context
  // A long job: a rebuild of months of status reads and writes for minutes.
  return asLongWork(async () => {
    if (request.from) checkDay('from', request.from)
    if (request.to) checkDay('to', request.to)
    if (request.from && request.to) checkRange(request.from, request.to)
    const started = performance.now()
    const system = await chooseSystem(db, request.system)
    const [windows, asOf] = await Promise.all([
      windowsWithData(db, system, { from: request.from, to: request.to }),
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
    const days = await compute(db, system, due, asOf)
    if (days.length > 0) {
      logger.debug({ system: system.systemId, days: days.length }, 'service levels refreshed')
    }
    return {
      system_id: system.systemId,
      days,
      seconds: round2((performance.now() - started) / 1000),
    }
  })
}
