import { sql } from 'kysely'
import { DEFAULT_RETENTION, type Retention } from '../config/settings.js'
import type { Database } from '../db/database.js'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import {
  cutoffDays,
  cutoffMonths,
  deleteAuditLog,
  deleteCrewHeartbeats,
  deleteFeedPolls,
  deleteIdempotencyKeys,
  deleteStatusAbsences,
  deleteStatusSnapshots,
  dropPartition,
  ensurePartitionsAhead,
  listPartitions,
  statusKeptFrom,
  type DeleteBatch,
  type UpkeepConnection,
} from './upkeep.repository.js'
import {
  summariseLeftoverImports,
  type LeftoverImports,
  type RefreshDays,
} from './unsummarised-imports.js'

/** Months of station_status partitions kept created ahead of now (a poll never waits on DDL). */
export const PARTITION_MONTHS_AHEAD = 3

/**
 * Rows per delete statement. 5,000 rows of feed_polls delete in about 30 ms here: row locks held
 * that long block nobody (polls only insert), and WAL per statement stays near 1 MB.
 */
export const DELETE_BATCH = 5_000
/**
 * Statements per table and run: 200 x 5,000 = a million rows, a year of one feed's polls at the
 * 10 s floor is 3.2 million, caught up in four hourly runs; the report says `more` meanwhile.
 */
export const MAX_BATCHES = 200

export interface PruneReport {
  table: string
  /** Rows older than this were deleted. */
  before: string
  deleted: number
  batches: number
  /** The batch limit was reached: older rows remain for the next run. */
  more: boolean
  error?: string
}

export interface UpkeepReport {
  startedAt: string
  seconds: number
  retention: Retention
  partitions: {
    created: string[]
    dropped: string[]
    /** Old enough to drop, but kept: an imported history lies in their range. */
    keptForImports: string[]
    /** The status history kept begins here (the first month not dropped). */
    keptFrom: string
    errors: string[]
  }
  pruned: PruneReport[]
  imports: LeftoverImports
}

/**
 * What upkeep deletes, table by table, and by which retention. Rows that refer to others go
 * first (snapshots name polls). The dispatch idempotency keys (0007) go once they expire.
 */
interface PruneTarget {
  table: string
  cutoff: (db: UpkeepConnection, retention: Retention, statusFrom: Date) => Promise<Date>
  deleteBatch: DeleteBatch
}

const PRUNE_TARGETS: readonly PruneTarget[] = [
  {
    table: 'status_snapshots',
    cutoff: (_db, _r, from) => Promise.resolve(from),
    deleteBatch: deleteStatusSnapshots,
  },
  {
    table: 'station_status_absences',
    cutoff: (_db, _r, from) => Promise.resolve(from),
    deleteBatch: deleteStatusAbsences,
  },
  {
    table: 'feed_polls',
    cutoff: (db, r) => cutoffDays(db, r.feedPollsDays),
    deleteBatch: deleteFeedPolls,
  },
  {
    table: 'crew_heartbeats',
    cutoff: (db, r) => cutoffDays(db, r.crewHeartbeatsDays),
    deleteBatch: deleteCrewHeartbeats,
  },
  {
    table: 'audit_log',
    cutoff: (db, r) => cutoffMonths(db, r.auditLogMonths),
    deleteBatch: deleteAuditLog,
  },
  {
    table: 'idempotency_keys',
    cutoff: (db) => cutoffDays(db, 0),
    deleteBatch: deleteIdempotencyKeys,
  },
]

export interface UpkeepDeps {
  db: Database
  logger: Logger
  retention?: Retention
  /** Recomputes service summaries (the service levels' refresh with rebuild). */
  refreshDays: RefreshDays
  batchSize?: number
  maxBatches?: number
}

async function prune(
  db: UpkeepConnection,
  target: PruneTarget,
  before: Date,
  limits: { batchSize: number; maxBatches: number },
): Promise<PruneReport> {
  const report: PruneReport = {
    table: target.table,
    before: before.toISOString(),
    deleted: 0,
    batches: 0,
    more: false,
  }
  try {
    // Each statement commits on its own: locks last one batch, never the whole prune.
    while (report.batches < limits.maxBatches) {
      const count = await target.deleteBatch(db, before, limits.batchSize)
      report.batches += 1
      report.deleted += count
      if (count < limits.batchSize) return report
    }
    report.more = true
  } catch (error) {
    report.error = describeError(error)
  }
  return report
}

/**
 * One run of upkeep: partitions created ahead, status months past the retention dropped, old
 * rows deleted in batches, and imports that stopped before summarising their days summarised.
 * A failure of one step is reported and the others still run.
 */
export async function runUpkeep(deps: UpkeepDeps): Promise<UpkeepReport> {
  const started = performance.now()
  const retention = deps.retention ?? DEFAULT_RETENTION
  const limits = {
    batchSize: deps.batchSize ?? DELETE_BATCH,
    maxBatches: deps.maxBatches ?? MAX_BATCHES,
  }
  const startedAt = new Date().toISOString()
  const report = await deps.db.connection().execute(async (db) => {
    // Upkeep is a long job: it sets its own limits on its session. DDL waits at most 10 s for
    // its lock (and is retried next run) so that a queue never forms behind it.
    await sql`set statement_timeout = '10min'`.execute(db)
    await sql`set lock_timeout = '10s'`.execute(db)
    try {
      const errors: string[] = []
      let created: string[] = []
      try {
        created = await ensurePartitionsAhead(db, PARTITION_MONTHS_AHEAD)
      } catch (error) {
        errors.push(`creating partitions ahead: ${describeError(error)}`)
      }
      const keptFrom = await statusKeptFrom(db, retention.statusMonths)
      const dropped: string[] = []
      const keptForImports: string[] = []
      for (const partition of await listPartitions(db)) {
        if (!partition.to || partition.to.getTime() > keptFrom.getTime()) continue
        if (partition.holdsImport) {
          keptForImports.push(partition.name)
          continue
        }
        try {
          await dropPartition(db, partition)
          dropped.push(partition.name)
        } catch (error) {
          errors.push(`dropping ${partition.name}: ${describeError(error)}`)
        }
      }
      const pruned: PruneReport[] = []
      for (const target of PRUNE_TARGETS) {
        const before = await target.cutoff(db, retention, keptFrom)
        pruned.push(await prune(db, target, before, limits))
      }
      return {
        partitions: { created, dropped, keptForImports, keptFrom: keptFrom.toISOString(), errors },
        pruned,
      }
    } finally {
      await sql`reset statement_timeout`.execute(db).catch(() => undefined)
      await sql`reset lock_timeout`.execute(db).catch(() => undefined)
    }
  })
  const imports = await summariseLeftoverImports(deps.db, deps.refreshDays, deps.logger)
  return {
    startedAt,
    seconds: Math.round(performance.now() - started) / 1000,
    retention,
    ...report,
    imports,
  }
}
