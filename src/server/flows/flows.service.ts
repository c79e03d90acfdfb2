import { FLOW_TIME_PATTERN } from '../../shared/flows.js'
import type {
  FlowBin,
  FlowRange,
  FlowSeries,
  FlowsRefreshReport,
  StationFlowsRequest,
  StationProfile,
  StationProfileRequest,
} from '../../shared/flows.js'
import { asLongWork } from '../db/work-limits.js'
import type { Database } from '../db/database.js'
import { ServiceError, unknownStation } from '../errors.js'
import { chooseSystem } from '../systems/system-choice.js'
import type { TripsService } from '../trips/trips.service.js'
import {
  findStation,
  flowSeries,
  importedDays,
  profileCells,
  rebuildFlows,
  refreshImbalanceScores,
  resolveRange,
  type FlowTime,
} from './flows.repository.js'

/**
 * One response's bins at most: 15-minute bins for 1,000 days, or every hour of 11 years. A
 * series this long is already a 3 MB JSON answer; a longer one asks for a coarser bin.
 */
export const MAX_FLOW_BINS = 100_000

/**
 * "2018-02-01" (the system's midnight), "2018-02-01T08:15" (its clock), or an instant with an
 * offset ("2018-02-01T16:15:00Z"). Anything else, or a date that does not exist, is refused.
 */
export function parseFlowTime(name: string, text: string): FlowTime {
  const match = FLOW_TIME_PATTERN.exec(text.trim())
  if (!match) {
    throw new ServiceError(
      'invalid',
      'invalid_time',
      `${name} must be a date (2018-02-01) or date and time (2018-02-01T08:15, 2018-02-01T16:15Z), not "${text}"`,
    )
  }
  const [, year, month, day, hour, minute, second, offset] = match
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)))
  const valid =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour ?? 0) < 24 &&
    Number(minute ?? 0) < 60 &&
    Number(second ?? 0) < 60
  if (!valid) {
    throw new ServiceError(
      'invalid',
      'invalid_time',
      `${name} "${text}" is not a real date and time`,
    )
  }
  return offset ? { kind: 'instant', text: text.trim() } : { kind: 'local', text: text.trim() }
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/

export interface FlowsService {
  stationFlows(request: StationFlowsRequest): Promise<FlowSeries>
  systemFlows(request: FlowRange): Promise<FlowSeries>
  stationProfile(request: StationProfileRequest): Promise<StationProfile>
  /**
   * What `balancer refresh` does: maps kept trips to stations that appeared since, refreshes
   * imbalance_scores, and (asked) recounts station_flows from all trips.
   */
  refresh(options?: { systemId?: string; rebuild?: boolean }): Promise<FlowsRefreshReport>
}

export interface FlowsDeps {
  db: Database
  trips: Pick<TripsService, 'remapUnmatched'>
}

export function createFlowsService(deps: FlowsDeps): FlowsService {
  const { db } = deps

  async function series(request: FlowRange, stationId: string | null): Promise<FlowSeries> {
    const system = await chooseSystem(db, request.systemId)
    const bin: FlowBin = request.bin ?? '15min'
    let stationName: string | null = null
    if (stationId !== null) {
      const station = await findStation(db, system.systemId, stationId)
      if (!station) {
        throw unknownStation(system.systemId, stationId)
      }
      stationName = station.name
    }
    const range = await resolveRange(db, {
      from: parseFlowTime('from', request.from),
      to: parseFlowTime('to', request.to),
      bin,
      timeZone: system.timezone,
    })
    if (range.to <= range.from) {
      throw new ServiceError(
        'invalid',
        'invalid_range',
        `to (${request.to}) must be after from (${request.from})`,
      )
    }
    if (range.bins > MAX_FLOW_BINS) {
      throw new ServiceError(
        'invalid',
        'range_too_large',
        `${request.from} to ${request.to} holds ${range.bins} bins of ${bin}; at most ${MAX_FLOW_BINS} per request: narrow the range or use a coarser bin`,
      )
    }
    const rows = await flowSeries(db, {
      systemId: system.systemId,
      stationId,
      from: range.from,
      to: range.to,
      bin,
      timeZone: system.timezone,
    })
    const totals = { outflow: 0, inflow: 0 }
    for (const row of rows) {
      totals.outflow += row.outflow
      totals.inflow += row.inflow
    }
    return {
      systemId: system.systemId,
      stationId,
      stationName,
      timeZone: system.timezone,
      bin,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      points: rows.map((row) => ({
        start: row.start.toISOString(),
        local: row.local,
        outflow: row.outflow,
        inflow: row.inflow,
      })),
      totals,
    }
  }

  return {
    stationFlows: (request) => series(request, request.stationId),
    systemFlows: (request) => series(request, null),

    async stationProfile(request) {
      const system = await chooseSystem(db, request.systemId)
      const station = await findStation(db, system.systemId, request.stationId)
      if (!station) {
        throw unknownStation(system.systemId, request.stationId)
      }
      for (const [name, value] of [
        ['from', request.from],
        ['to', request.to],
      ] as const) {
        if (value !== undefined) parseFlowTime(name, value)
        if (value !== undefined && !LOCAL_DATE.test(value)) {
          throw new ServiceError(
            'invalid',
            'invalid_time',
            `${name} of a profile is a date (2018-02-01)`,
          )
        }
      }
      const imported = await importedDays(db, system.systemId, system.timezone)
      const from = request.from ?? imported?.from
      const to = request.to ?? imported?.to
      if (!from || !to) {
        throw new ServiceError(
          'invalid',
          'no_trips',
          `system ${system.systemId} has no imported trips; give from and to, or import trips first`,
        )
      }
      if (to <= from) {
        throw new ServiceError(
          'invalid',
          'invalid_range',
          `to (${to}) must be after from (${from})`,
        )
      }
      const bin = request.bin ?? 'hour'
      const cells = await profileCells(db, {
        systemId: system.systemId,
        stationId: request.stationId,
        from,
        to,
        slotMinutes: bin === 'hour' ? 60 : 15,
        timeZone: system.timezone,
      })
      const days = [1, 2, 3, 4, 5, 6, 7].map(
        (dow) => cells.find((cell) => cell.dow === dow)?.days ?? 0,
      )
      return {
        systemId: system.systemId,
        stationId: request.stationId,
        stationName: station.name,
        timeZone: system.timezone,
        bin,
        from,
        to,
        days,
        cells: cells.map((cell) => ({
          dayOfWeek: cell.dow,
          minuteOfDay: cell.minute,
          outflow: cell.outflow,
          inflow: cell.inflow,
        })),
      }
    },

    // A long job: a rebuild recounts every trip of a system, the refresh of imbalance scores all
    // stations' status.
    refresh(options = {}) {
      return asLongWork(async () => {
        const remapped = await deps.trips.remapUnmatched(options.systemId)
        const rebuilt: FlowsRefreshReport['rebuilt'] = []
        if (options.rebuild) {
          for (const report of remapped) {
            const started = performance.now()
            const bins = await rebuildFlows(db, report.systemId)
            rebuilt.push({
              systemId: report.systemId,
              bins,
              seconds: (performance.now() - started) / 1000,
            })
          }
        }
        const started = performance.now()
        await refreshImbalanceScores(db)
        return {
          remapped,
          rebuilt,
          imbalanceScoresSeconds: (performance.now() - started) / 1000,
        }
      })
    },
  }
}
