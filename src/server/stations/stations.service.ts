import {
  MAX_HISTORY_DAYS,
  MAX_HISTORY_POINTS,
  type NearbyStation,
  type StationHistory,
  type StationHistoryRequest,
  type StationNearbyRequest,
} from '../../shared/stations.js'
import type { Database } from '../db/database.js'
import { ServiceError, unknownStation } from '../errors.js'
import { parseFlowTime } from '../flows/flows.service.js'
import { toStationLive } from '../gbfs/gbfs.service.js'
import { stationLiveRows } from '../gbfs/gbfs.repository.js'
import { chooseSystem, type SystemRow } from '../systems/system-choice.js'
import { historyGaps, historyPoints } from './history.js'
import {
  instantsOf,
  nearestStations,
  snapshotSpacing,
  stationOf,
  statusChanges,
} from './stations.repository.js'

/** A month of 15-minute samples is 2,976; a year is the longest range one answer covers. */
/**
 * Polls further apart than twice their median spacing, and never less than this, leave a gap: a
 * feed polled each minute that misses a few polls is still drawn as a line; an evening without
 * the console running is not.
 */
export const GAP_FLOOR_SECONDS = 15 * 60
const DAY_MS = 86_400_000
const DEFAULT_NEARBY = 8

export interface StationsService {
  /** Bikes over time from the status history, at most MAX_HISTORY_POINTS points. */
  history(request: StationHistoryRequest): Promise<StationHistory>
  /** The nearest active stations of the same system, with their live numbers. */
  nearby(request: StationNearbyRequest): Promise<NearbyStation[]>
}

export function createStationsService(deps: { db: Database; now?: () => Date }): StationsService {
  const { db } = deps
  const now = deps.now ?? (() => new Date())

  async function station(systemId: string | undefined, stationId: string) {
    const system: SystemRow = await chooseSystem(db, systemId)
    const found = await stationOf(db, system.systemId, stationId)
    if (!found) {
      throw unknownStation(system.systemId, stationId)
    }
    return { system, station: found }
  }

  return {
    async history(request) {
      const { system, station: found } = await station(request.systemId, request.stationId)
      const at = now()
      const given = [
        request.from === undefined ? null : parseFlowTime('from', request.from),
        request.to === undefined ? null : parseFlowTime('to', request.to),
      ]
      const resolved = await instantsOf(
        db,
        given.filter((time) => time !== null),
        system.timezone,
      )
      const to = given[1] ? (resolved[resolved.length - 1] ?? at) : at
      const from = given[0] ? (resolved[0] ?? to) : new Date(to.getTime() - DAY_MS)
      if (to <= from) {
        throw new ServiceError(
          'invalid',
          'invalid_range',
          `to (${to.toISOString()}) must be after from (${from.toISOString()})`,
        )
      }
      if (to.getTime() - from.getTime() > MAX_HISTORY_DAYS * DAY_MS) {
        throw new ServiceError(
          'invalid',
          'range_too_large',
          `a history covers at most ${MAX_HISTORY_DAYS} days; narrow from and to`,
        )
      }
      const rows = await statusChanges(db, {
        systemId: system.systemId,
        stationId: request.stationId,
        from,
        to,
      })
      // A state held "until the next change" is only known up to now.
      const end = Math.min(to.getTime(), Math.max(at.getTime(), from.getTime() + 1))
      const shape = historyPoints(
        rows.map((row) => ({
          at: row.ts.getTime(),
          bikes: row.bikes,
          ebikes: row.ebikes,
          docks: row.docks,
          isRenting: row.is_renting,
        })),
        from.getTime(),
        end,
        MAX_HISTORY_POINTS,
      )
      const spacing = await snapshotSpacing(db, {
        systemId: system.systemId,
        from,
        to: new Date(end),
        floorSeconds: GAP_FLOOR_SECONDS,
      })
      const gaps = historyGaps(
        spacing.spans.map((span) => ({
          at: span.at.getTime(),
          next: span.next?.getTime() ?? null,
        })),
        spacing.first?.getTime() ?? null,
        (spacing.bridgeSeconds ?? GAP_FLOOR_SECONDS) * 1000,
        from.getTime(),
        end,
      )
      return {
        systemId: system.systemId,
        stationId: request.stationId,
        stationName: found.name,
        timeZone: system.timezone,
        from: from.toISOString(),
        to: to.toISOString(),
        changes: rows.length,
        bucketSeconds: shape.bucketSeconds,
        points: shape.points,
        gaps: gaps.map((gap) => ({
          from: new Date(gap.from).toISOString(),
          to: new Date(gap.to).toISOString(),
        })),
        lastDataAt: spacing.lastAt?.toISOString() ?? null,
      }
    },

    async nearby(request) {
      const { system } = await station(request.systemId, request.stationId)
      const neighbours = await nearestStations(db, {
        systemId: system.systemId,
        stationId: request.stationId,
        limit: request.limit ?? DEFAULT_NEARBY,
      })
      if (neighbours.length === 0) return []
      const at = now()
      const live = new Map(
        (
          await stationLiveRows(
            db,
            { systemId: system.systemId, stationIds: neighbours.map((n) => n.station_id) },
            at,
          )
        ).map((row) => [row.station_id, row]),
      )
      return neighbours.flatMap((neighbour) => {
        const row = live.get(neighbour.station_id)
        return row
          ? [{ ...toStationLive(row, at), distanceMeters: Math.round(neighbour.distance_meters) }]
          : []
      })
    },
  }
}
