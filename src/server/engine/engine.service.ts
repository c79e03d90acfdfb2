import { sql } from 'kysely'
import type { EngineRunRequest, EngineRunSummary } from '../../shared/engine.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { asLongWork } from '../db/work-limits.js'
import { writeAudit } from '../dispatch/dispatch.repository.js'
import type { DispatchService } from '../dispatch/dispatch.service.js'
import { ServiceError } from '../errors.js'
import { LOCK_NAMESPACE, lockKey } from '../jobs/leader.js'
import { silentLogger, type Logger } from '../logger.js'
import {
  addDays,
  DAY_TYPES,
  isoWeekdayOf,
  modelFromProfiles,
  profileOf,
  segmentsAhead,
  SLOT_MINUTES,
  type DemandModel,
} from './demand.js'
import { expectedDissatisfaction, type RateSegment } from './dissatisfaction.js'
import {
  activeModel,
  coveringWork,
  flowDates,
  latestFlow,
  localMidnight,
  modelRates,
  nearestStations,
  saveModel,
  seedNetFlows,
  stationsWithLatestStatus,
  type ModelRow,
  type StationStateRow,
  type SystemRow,
} from './engine.repository.js'
import { dateRange, fitFromDatabase, measureAccuracy } from './fit.js'
import { distanceKm } from './geo.js'
import {
  moveMinutes,
  selectMoves,
  serviceRange,
  type Move,
  type PlanStation,
  type Range,
} from './moves.js'
import { moveReason } from './reasons.js'
import { keepRun } from './run-suggestions.repository.js'
import { seedHeuristicMoves } from './seed-heuristic.js'
import { resolveSystem } from './systems.js'

/** Who the engine is in the audit log and on its suggestions. */
export const ENGINE_ACTOR: Actor = { name: 'engine', role: 'engine', crewId: null, tokenId: null }

export const DEFAULT_HORIZON_MINUTES = 180
export const DEFAULT_VAN_CAPACITY = 20
/** Moves are looked for between stations this close (and the seed heuristic's 5 km). */
export const DEFAULT_RADIUS_KM = 5
/** Nearest stations considered as partners of a station in trouble. */
const NEIGHBOURS = 40
/** Suggestions per crew and run: about the next hour of work. */
const MOVES_PER_CREW = 3
/**
 * Where a van comes from is not known when suggesting: a move's crew-minutes assume a drive of
 * this length to its source, then the drive to the sink and the handling of each bike.
 */
const APPROACH_KM = 2
const MIN_CREWS = 3
/** Days of flows held out to measure a new model against seasonal-naive. */
const HELD_OUT_DAYS = 7
/** A model older than this is fitted again even without new trips (status history grows). */
const MODEL_MAX_AGE_MS = 24 * 3_600_000

export type RunTrigger = 'cli' | 'http' | 'ipc' | 'schedule'

export interface EngineServiceDeps {
  db: Database
  dispatch: DispatchService
  logger?: Logger
  now?: () => Date
}

export interface EngineService {
  run(
    request: EngineRunRequest,
    options?: { trigger?: RunTrigger; actor?: Actor },
  ): Promise<EngineRunSummary>
}

/** The local date and minute of the day of an instant in a time zone. */
export function localClock(at: Date, timeZone: string): { date: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  )
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute) + Number(parts.second) / 60,
  }
}

function clockText(minuteOfDay: number): string {
  const minute = Math.round(minuteOfDay) % 1440
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
}

interface Live {
  row: StationStateRow
  bikes: number
  capacity: number
  movable: number
  canGive: boolean
  canTake: boolean
}

/** Stations the engine can plan for: installed, with a status; pending tasks already applied. */
function liveStations(rows: readonly StationStateRow[]): Live[] {
  const live: Live[] = []
  for (const row of rows) {
    if (row.num_bikes_available === null || row.num_docks_available === null) continue
    const installed = row.is_installed ?? true
    const bikes = row.num_bikes_available
    const capacity = bikes + row.num_docks_available
    if (capacity <= 0) continue
    live.push({
      row,
      bikes,
      capacity,
      // E-bikes stay where riders want them; a van takes classic bikes.
      movable: Math.max(0, bikes - (row.num_ebikes_available ?? 0)),
      canGive: Boolean(installed && row.is_renting),
      canTake: Boolean(installed && row.is_returning),
    })
  }
  return live
}

export function createEngineService(deps: EngineServiceDeps): EngineService {
  const { db } = deps
  const logger = deps.logger ?? silentLogger()
  const now = deps.now ?? (() => new Date())

  /** The active model, fitted again when trips newer than it arrived or it is a day old. */
  async function currentModel(
    db: Database,
    system: SystemRow,
    stationIds: readonly string[],
  ): Promise<{ row: ModelRow; model: DemandModel; fitted: boolean } | null> {
    const active = await activeModel(db, system.system_id)
    const latest = await latestFlow(db, system.system_id)
    if (!latest) return null
    const fresh =
      active &&
      active.fitted_to.getTime() > latest.getTime() &&
      now().getTime() - active.trained_at.getTime() < MODEL_MAX_AGE_MS
    if (active && fresh) {
      const profiles = new Map<
        string,
        Partial<Record<(typeof DAY_TYPES)[number], { rentals: number[]; returns: number[] }>>
      >()
      for (const rate of await modelRates(db, active.model_id)) {
        const entry = profiles.get(rate.station_id) ?? {}
        entry[rate.day_type] = {
          rentals: rate.rentals_per_hour.map((value) => value / 60),
          returns: rate.returns_per_hour.map((value) => value / 60),
        }
        profiles.set(rate.station_id, entry)
      }
      return { row: active, model: modelFromProfiles(stationIds, profiles), fitted: false }
    }
    const dates = await flowDates(db, system)
    if (!dates) return null
    const to = addDays(dates.last, 1)
    const all = dateRange(dates.first, to)
    const fit = await fitFromDatabase(db, system, stationIds, dates.first, to)
    let metrics = null
    if (all.length >= 2 * HELD_OUT_DAYS) {
      // Accuracy of the same method fitted without the last week, on that week.
      const heldFrom = addDays(to, -HELD_OUT_DAYS)
      const trial = await fitFromDatabase(db, system, stationIds, dates.first, heldFrom)
      const measured = await measureAccuracy(db, system, trial.model, heldFrom, to)
      metrics = {
        heldOutFrom: await localMidnight(db, system.timezone, heldFrom),
        heldOutTo: await localMidnight(db, system.timezone, to),
        cells: measured.cells,
        mae: measured.mae,
        baselineMae: measured.baselineMae,
        rmse: measured.rmse,
        baselineRmse: measured.baselineRmse,
        detail: {
          fitted_for_measurement: { from: dates.first, to: heldFrom },
          unit: 'trips per 15 minutes',
          point_forecast: 'median of Poisson(rate x 15 min)',
          mae_of_mean: measured.meanMae,
        },
      }
    }
    const rates = fit.model.stationIds.flatMap((stationId, station) =>
      ([0, 1] as const).map((dayType) => {
        const profile = profileOf(fit.model, station, dayType)
        return {
          station_id: stationId,
          day_type: DAY_TYPES[dayType],
          rentals_per_hour: Array.from(profile.rentals, (value) => value * 60),
          returns_per_hour: Array.from(profile.returns, (value) => value * 60),
        }
      }),
    )
    const row = await saveModel(db, {
      systemId: system.system_id,
      fittedFrom: await localMidnight(db, system.timezone, dates.first),
      fittedTo: await localMidnight(db, system.timezone, to),
      weekdays: fit.days[0],
      weekendDays: fit.days[1],
      censoredCells: fit.censoredCells,
      parameters: {
        slot_minutes: SLOT_MINUTES,
        day_types: DAY_TYPES,
        smoothing: 'weights 1-2-3-2-1 over neighbouring slots (ratio of counts to usable minutes)',
        censoring:
          'minutes empty (or not renting) / full (or not returning) from station_status removed from the exposure',
        fitted_dates: { from: dates.first, to },
      },
      rates,
      metrics,
    })
    logger.info(
      {
        system: system.system_id,
        version: row.version,
        mae: metrics?.mae,
        baselineMae: metrics?.baselineMae,
      },
      'engine: demand model fitted',
    )
    return { row, model: fit.model, fitted: true }
  }

  async function crewCount(db: Database, requested: number | undefined): Promise<number> {
    if (requested) return requested
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from crews where last_seen_at > now() - interval '12 hours'`.execute(
      db,
    )
    return Math.max(MIN_CREWS, rows[0]?.n ?? 0)
  }

  /** Everything a run reads and fits, on `db`: the run's own connection. */
  async function plan(
    db: Database,
    system: SystemRow,
    request: EngineRunRequest,
    source: 'engine' | 'seed_heuristic',
  ): Promise<{
    proposals: { from: Live; to: Live; qty: number; value: number; reason: string }[]
    modelVersion: number | null
    modelFitted: boolean
    stations: number
    note: string | null
  }> {
    const rows = await stationsWithLatestStatus(db, system.system_id)
    const live = liveStations(rows)
    const modelAt = await currentModel(
      db,
      system,
      rows.map((row) => row.station_id),
    )
    const base = {
      modelVersion: modelAt?.row.version ?? null,
      modelFitted: modelAt?.fitted ?? false,
      stations: live.length,
    }
    if (!modelAt) {
      return {
        ...base,
        proposals: [],
        note: 'no trips imported for this system yet: the engine has no demand model to plan from (balancer import-trips)',
      }
    }
    if (live.length < 2) {
      return {
        ...base,
        proposals: [],
        note: 'no station status known yet: poll the feed first (balancer poll-once)',
      }
    }
    const index = new Map(live.map((station, position) => [station.row.station_id, position]))
    const covering = await coveringWork(db, system.system_id, source)
    const covered = new Set<string>()
    for (const work of covering) {
      covered.add(`${work.from_station_id}\u001f${work.to_station_id}`)
      // A ready or assigned task's bikes are as good as moved.
      if (work.kind !== 'task') continue
      const from = index.get(work.from_station_id)
      const to = index.get(work.to_station_id)
      if (from !== undefined) {
        const station = live[from] as Live
        station.bikes = Math.max(0, station.bikes - work.qty)
        station.movable = Math.max(0, station.movable - work.qty)
      }
      if (to !== undefined) {
        const station = live[to] as Live
        station.bikes = Math.min(station.capacity, station.bikes + work.qty)
      }
    }
    const skipPair = (from: number, to: number) =>
      covered.has(
        `${(live[from] as Live).row.station_id}\u001f${(live[to] as Live).row.station_id}`,
      )
    const vanCapacity = request.van_capacity ?? DEFAULT_VAN_CAPACITY
    const crews = await crewCount(db, request.crews)
    const clock = localClock(now(), system.timezone)

    if (source === 'seed_heuristic') {
      const slot = Math.floor(clock.minute / SLOT_MINUTES)
      const dates = await flowDates(db, system)
      const net = await seedNetFlows(db, system, isoWeekdayOf(clock.date), slot)
      const moves = seedHeuristicMoves(
        live.map((station) => ({
          lat: station.row.lat,
          lon: station.row.lon,
          bikes: station.bikes,
          capacity: station.capacity,
          netFlow: net.get(station.row.station_id) ?? 0,
          usable: station.canGive && station.canTake,
        })),
        { vanCapacity, skipPair },
      ).slice(0, crews * MOVES_PER_CREW)
      return {
        ...base,
        note: moves.length
          ? null
          : 'the seed heuristic finds no station predicted outside its 50 % target with a partner within 5 km',
        proposals: moves.map((move) => {
          const from = live[move.from] as Live
          const to = live[move.to] as Live
          const flags = [
            move.fullSoon ? `${from.row.name} full soon` : null,
            move.emptySoon ? `${to.row.name} empty soon` : null,
          ].filter(Boolean)
          return {
            from,
            to,
            qty: move.qty,
            // The seed ranked full_soon sources first; its value is only an order.
            value: (move.fullSoon ? 2 : 0) + (move.emptySoon ? 1 : 0),
            reason:
              `Seed heuristic: ${from.row.name} predicted ${move.predictedFrom.toFixed(1)} bikes in 15 min, ${to.row.name} ${move.predictedTo.toFixed(1)}; target half of capacity` +
              (flags.length ? ` (${flags.join(', ')})` : '') +
              `. Flows averaged over ${dates ? `${dates.first} to ${dates.last}` : 'the imported trips'}.`,
          }
        }),
      }
    }

    const horizon = DEFAULT_HORIZON_MINUTES
    const segments: RateSegment[][] = []
    const planStations: PlanStation[] = []
    for (const [position, station] of live.entries()) {
      const at = modelAt.model.index.get(station.row.station_id)
      const ahead =
        at === undefined
          ? []
          : segmentsAhead(modelAt.model, at, clock.date, clock.minute, horizon, {
              rentals: station.canGive,
              returns: station.canTake,
            })
      segments.push(ahead)
      planStations.push({
        id: station.row.station_id,
        name: station.row.name,
        lat: station.row.lat,
        lon: station.row.lon,
        bikes: station.bikes,
        capacity: station.capacity,
        movable: station.movable,
        canGive: station.canGive,
        canTake: station.canTake,
        f: expectedDissatisfaction(station.capacity, ahead),
      })
      // 2,000 stations take a few hundred ms: let requests in between.
      if (position % 200 === 199) await new Promise((resolve) => setImmediate(resolve))
    }
    const ranges = planStations.map((station) => serviceRange(station.f))
    const urgent = planStations
      .filter((station, position) => {
        const range = ranges[position] as Range
        return (
          (station.canTake && station.bikes < range.low) ||
          (station.canGive && station.bikes > range.high)
        )
      })
      .map((station) => station.id)
    const nearby = await nearestStations(
      db,
      system.system_id,
      urgent,
      DEFAULT_RADIUS_KM,
      NEIGHBOURS,
    )
    const neighbours = new Map<number, number[]>()
    for (const pair of nearby) {
      const a = index.get(pair.station_id)
      const b = index.get(pair.neighbour_id)
      if (a === undefined || b === undefined) continue
      const list = neighbours.get(a)
      if (list) list.push(b)
      else neighbours.set(a, [b])
    }
    const moves: Move[] = selectMoves(planStations, {
      vanCapacity,
      maxMoves: crews * MOVES_PER_CREW,
      neighbours: (position) => neighbours.get(position) ?? [],
      skipPair,
      // Value per crew-minute, in the choice of pairs and of each pair's quantity.
      cost: (from, to, qty) =>
        moveMinutes(
          APPROACH_KM,
          distanceKm(planStations[from] as PlanStation, planStations[to] as PlanStation),
          qty,
        ),
      perCost: true,
    })
    const horizonEnd = clockText(clock.minute + horizon)
    // Reasons are told at the counts each move starts from (earlier moves of the run applied).
    const counts = planStations.map((station) => station.bikes)
    const proposals = moves.map((move) => {
      const source = {
        ...(planStations[move.from] as PlanStation),
        bikes: counts[move.from] as number,
      }
      const sink = { ...(planStations[move.to] as PlanStation), bikes: counts[move.to] as number }
      const reason = moveReason(
        move,
        source,
        sink,
        ranges[move.from] as Range,
        ranges[move.to] as Range,
        { source: segments[move.from] ?? [], sink: segments[move.to] ?? [] },
        { horizonEnd, minuteOfDay: clock.minute },
      )
      counts[move.from] = (counts[move.from] as number) - move.qty
      counts[move.to] = (counts[move.to] as number) + move.qty
      return {
        from: live[move.from] as Live,
        to: live[move.to] as Live,
        qty: move.qty,
        value: Math.round(move.gain * 100) / 100,
        reason,
      }
    })
    return {
      ...base,
      proposals,
      note: proposals.length
        ? null
        : `every station is within its service range for the next ${horizon / 60} h, or no partner within ${DEFAULT_RADIUS_KM} km can help`,
    }
  }

  return {
    async run(request, options = {}) {
      const started = now()
      const clockStart = performance.now()
      const system = await resolveSystem(db, request.system_id)
      const source = request.policy ?? 'engine'
      const actor = options.actor ?? ENGINE_ACTOR
      const key = lockKey(`engine:${source}:${system.system_id}`)
      // One run per system and source at a time, across consoles: a session lock on the run's
      // one connection, where all of its work happens. A run that finds the lock taken answers
      // at once instead of waiting: waiting would hold a pool connection that crews' claims need
      // (16 runs waiting starved every claim). The run is a long job: a model fit reads months.
      return asLongWork(() =>
        db.connection().execute(async (connection) => {
          const { rows } = await sql<{ acquired: boolean }>`
            select pg_try_advisory_lock(${LOCK_NAMESPACE}, ${key}) as acquired`.execute(connection)
          if (!rows[0]?.acquired) {
            throw new ServiceError(
              'conflict',
              'engine_busy',
              `a run is in progress: the ${source === 'engine' ? 'engine' : 'seed heuristic'} is already making suggestions for system "${system.system_id}"; try again when it ends`,
            )
          }
          try {
            const planned = await plan(connection, system, request, source)
            const { created, superseded } = await connection.transaction().execute(async (trx) => {
              const kept = await keepRun(
                trx,
                ENGINE_ACTOR,
                system.system_id,
                source,
                planned.proposals,
              )
              await writeAudit(trx, actor, [
                {
                  action: 'engine.run',
                  entity: 'system',
                  entityId: system.system_id,
                  detail: {
                    source,
                    trigger: options.trigger ?? 'cli',
                    model_version: planned.modelVersion,
                    created: kept.created.length,
                    superseded: kept.superseded.length,
                    duration_ms: Math.round(performance.now() - clockStart),
                  },
                },
              ])
              return kept
            })
            const durationMs = Math.round(performance.now() - clockStart)
            logger.info(
              {
                system: system.system_id,
                source,
                created: created.length,
                superseded: superseded.length,
                ms: durationMs,
              },
              'engine: suggestions made',
            )
            return {
              system_id: system.system_id,
              source,
              model_version: planned.modelVersion,
              model_fitted: planned.modelFitted,
              stations: planned.stations,
              horizon_minutes: DEFAULT_HORIZON_MINUTES,
              created: created.length,
              superseded: superseded.length,
              duration_ms: durationMs,
              started_at: started.toISOString(),
              note: planned.note,
              suggestions: created,
            }
          } finally {
            // The connection may be gone (and the lock with it); the run's own error stands.
            await sql`select pg_advisory_unlock(${LOCK_NAMESPACE}, ${key})`
              .execute(connection)
              .catch(() => undefined)
          }
        }),
      )
    },
  }
}
