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
import type { EngineModelStatus } from '../../shared/operations/engine-model.js'
import { currentModel } from './current-model.js'
import { engineModels } from './engine-models.repository.js'
import type { SystemRow } from '../systems/system-choice.js'
import { coveringWork } from './run-suggestions.repository.js'
import { stationsWithLatestStatus } from './station-state.repository.js'
import { applyCoveringWork, liveStations, localClock, type Proposal } from './live-stations.js'
import { DEFAULT_HORIZON_MINUTES, planEngineMoves } from './planner.js'
import { keepRun } from './run-suggestions.repository.js'
import { planSeedHeuristic } from './seed-heuristic-plan.js'
import { chooseSystem } from '../systems/system-choice.js'

export { localClock } from './live-stations.js'
export { DEFAULT_HORIZON_MINUTES, DEFAULT_RADIUS_KM } from './planner.js'

/** Who the engine is in the audit log and on its suggestions. */
export const ENGINE_ACTOR: Actor = { name: 'engine', role: 'engine', crewId: null, tokenId: null }

export const DEFAULT_VAN_CAPACITY = 20
/** Suggestions per crew and run: about the next hour of work. */
const MOVES_PER_CREW = 3
const MIN_CREWS = 3

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
  /** Each system's demand model in use and whether the last new fit replaced it. */
  models(): Promise<EngineModelStatus[]>
}

async function crewCount(db: Database, requested: number | undefined): Promise<number> {
  if (requested) return requested
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from crews where last_seen_at > now() - interval '12 hours'`.execute(
    db,
  )
  return Math.max(MIN_CREWS, rows[0]?.n ?? 0)
}

/**
 * Everything a run reads and fits, on `db`: the run's own connection. The stations, the model
 * and the work already covering a pair are shared; the moves come from the engine's planner or,
 * for `seed_heuristic`, from the previous system's heuristic.
 */
async function plan(
  db: Database,
  system: SystemRow,
  request: EngineRunRequest,
  source: 'engine' | 'seed_heuristic',
  context: { now: () => Date; logger: Logger },
): Promise<{
  proposals: Proposal[]
  modelVersion: number | null
  modelFitted: boolean
  stations: number
  note: string | null
}> {
  const rows = await stationsWithLatestStatus(db, system.systemId)
  const live = liveStations(rows)
  const modelAt = await currentModel(
    db,
    system,
    rows.map((row) => row.station_id),
    context,
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
  const skipPair = applyCoveringWork(live, index, await coveringWork(db, system.systemId, source))
  const vanCapacity = request.van_capacity ?? DEFAULT_VAN_CAPACITY
  const crews = await crewCount(db, request.crews)
  const clock = localClock(context.now(), system.timezone)
  const options = { clock, vanCapacity, maxMoves: crews * MOVES_PER_CREW, skipPair }
  const planned =
    source === 'seed_heuristic'
      ? await planSeedHeuristic(db, system, live, options)
      : await planEngineMoves(db, system, live, modelAt.model, { ...options, index })
  return { ...base, ...planned }
}

/** One run: plans on its own connection under the system's run lock, then keeps its moves. */
export async function runEngine(
  deps: EngineServiceDeps,
  request: EngineRunRequest,
  options: { trigger?: RunTrigger; actor?: Actor } = {},
): Promise<EngineRunSummary> {
  const { db } = deps
  const logger = deps.logger ?? silentLogger()
  const now = deps.now ?? (() => new Date())
  const started = now()
  const clockStart = performance.now()
  const system = await chooseSystem(db, request.system_id, 'system_id')
  const source = request.policy ?? 'engine'
  const actor = options.actor ?? ENGINE_ACTOR
  const key = lockKey(`engine:${source}:${system.systemId}`)
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
          `a run is in progress: the ${source === 'engine' ? 'engine' : 'seed heuristic'} is already making suggestions for system "${system.systemId}"; try again when it ends`,
        )
      }
      try {
        const planned = await plan(connection, system, request, source, { now, logger })
        const { created, superseded } = await connection.transaction().execute(async (trx) => {
          const kept = await keepRun(trx, ENGINE_ACTOR, system.systemId, source, planned.proposals)
          await writeAudit(trx, actor, [
            {
              action: 'engine.run',
              entity: 'system',
              entityId: system.systemId,
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
            system: system.systemId,
            source,
            created: created.length,
            superseded: superseded.length,
            ms: durationMs,
          },
          'engine: suggestions made',
        )
        return {
          system_id: system.systemId,
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
}

export function createEngineService(deps: EngineServiceDeps): EngineService {
  return {
    run: (request, options) => runEngine(deps, request, options),
    models: () => engineModels(deps.db),
  }
}
