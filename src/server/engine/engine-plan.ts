import { sql } from 'kysely'
import type { EngineRunRequest } from '../../shared/engine.js'
import type { Database } from '../db/database.js'
import type { Logger } from '../logger.js'
import type { SystemRow } from '../systems/system-choice.js'
import { currentModel } from './current-model.js'
import { applyCoveringWork, liveStations, localClock, type Proposal } from './live-stations.js'
import { planEngineMoves, type StationFailures } from './planner.js'
import { coveringWork } from './run-suggestions.repository.js'
import { planSeedHeuristic } from './seed-heuristic-plan.js'
import { stationFreshness, stationsWithLatestStatus } from './station-state.repository.js'

export const DEFAULT_VAN_CAPACITY = 20
/** Suggestions per crew and run: about the next hour of work. */
const MOVES_PER_CREW = 3
const MIN_CREWS = 3

/** What a run plans from: everything else it reads from the database. */
export interface PlanInput {
  system: SystemRow
  request: EngineRunRequest
  source: 'engine' | 'seed_heuristic'
  /** The run's clock (ISO): tests and the benchmark set it. */
  now: string
}

/** What a run's planning answers: the moves to keep as suggestions, and about the model. */
export interface PlanOutput {
  proposals: Proposal[]
  modelVersion: number | null
  modelFitted: boolean
  stations: number
  note: string | null
  /** Each live station's expected failures by count of bikes: engine runs with a model only. */
  failures?: StationFailures[]
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
 * Everything a run reads and fits, on `db`. The stations, the model and the work already
 * covering a pair are shared; the moves come from the engine's planner or, for
 * `seed_heuristic`, from the previous system's heuristic. Runs in the engine's worker thread
 * (engine-worker.ts) on a connection of its own, or inline where no worker is built (tests).
 */
export async function planRun(db: Database, input: PlanInput, logger: Logger): Promise<PlanOutput> {
  const { system, request, source } = input
  const now = () => new Date(input.now)
  const rows = await stationsWithLatestStatus(db, system.systemId)
  // Stale numbers are not planned from: a move to a station whose count is an hour old may
  // make things worse (its stations still count for the model's fit).
  const { stale } = await stationFreshness(db, system.systemId, now())
  const live = liveStations(rows.filter((row) => !stale.has(row.station_id)))
  if (stale.size > 0) {
    logger.info({ system: system.systemId, stale: stale.size }, 'engine: stale stations left out')
  }
  const staleNote = stale.size
    ? ` (${stale.size} station${stale.size === 1 ? '' : 's'} left out: their status is stale)`
    : ''
  const modelAt = await currentModel(
    db,
    system,
    rows.map((row) => row.station_id),
    { now, logger },
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
      note: `no station status known yet: poll the feed first (balancer poll-once)${staleNote}`,
    }
  }
  const index = new Map(live.map((station, position) => [station.row.station_id, position]))
  const skipPair = applyCoveringWork(live, index, await coveringWork(db, system.systemId, source))
  const vanCapacity = request.van_capacity ?? DEFAULT_VAN_CAPACITY
  const crews = await crewCount(db, request.crews)
  const clock = localClock(now(), system.timezone)
  const options = { clock, vanCapacity, maxMoves: crews * MOVES_PER_CREW, skipPair }
  const planned =
    source === 'seed_heuristic'
      ? await planSeedHeuristic(db, system, live, options)
      : await planEngineMoves(db, system, live, modelAt.model, { ...options, index })
  return {
    ...base,
    ...planned,
    note: planned.note === null ? null : `${planned.note}${staleNote}`,
  }
}
