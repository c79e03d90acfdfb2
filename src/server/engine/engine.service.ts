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
import { engineModels } from './engine-models.repository.js'
import { DEFAULT_HORIZON_MINUTES } from './planner.js'
import { keepExpectedFailures } from './expected-failures.repository.js'
import { keepRun } from './run-suggestions.repository.js'
import { chooseSystem } from '../systems/system-choice.js'
import { runPlan } from './worker/plan-runner.js'

export { localClock } from './live-stations.js'
export { DEFAULT_HORIZON_MINUTES, DEFAULT_RADIUS_KM } from './planner.js'

/** Who the engine is in the audit log and on its suggestions. */
export const ENGINE_ACTOR: Actor = { name: 'engine', role: 'engine', crewId: null, tokenId: null }

export { DEFAULT_VAN_CAPACITY } from './engine-plan.js'

export type RunTrigger = 'cli' | 'http' | 'ipc' | 'schedule'

export interface EngineServiceDeps {
  db: Database
  /** The worker thread that plans connects with it; without it a run plans inline. */
  databaseUrl?: string
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
        // The fit and the planning run in the engine's worker thread (on a connection of its
        // own): the main thread keeps answering crews' claims meanwhile.
        const planned = await runPlan(
          { system, request, source, now: now().toISOString() },
          { db: connection, databaseUrl: deps.databaseUrl, logger },
        )
        const { created, superseded } = await connection.transaction().execute(async (trx) => {
          const kept = await keepRun(trx, ENGINE_ACTOR, system.systemId, source, planned.proposals)
          if (planned.failures) {
            await keepExpectedFailures(trx, system.systemId, planned.failures, {
              horizonMinutes: DEFAULT_HORIZON_MINUTES,
              computedAt: started,
              modelVersion: planned.modelVersion,
            })
          }
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
