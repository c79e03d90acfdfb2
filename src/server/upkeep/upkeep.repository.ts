import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/** One connection of the pool (or the pool): upkeep runs its statements on a session of its own. */
export type UpkeepConnection = Kysely<DB>

/** A station_status partition and its range, as the catalog says. */
export interface StatusPartition {
  name: string
  from: Date | null
  to: Date | null
  /** A DETACH ... CONCURRENTLY that was interrupted: it must be finalised before the drop. */
  detachPending: boolean
  /** Some imported history lies in its range: kept whatever its age (see keepsImports). */
  holdsImport: boolean
}

/** Creates the monthly partitions of [now, now + months] that are missing; their names. */
export async function ensurePartitionsAhead(
  db: UpkeepConnection,
  months: number,
): Promise<string[]> {
  const before = new Set((await listPartitions(db)).map((partition) => partition.name))
  await sql`select ensure_station_status_partitions(now(), now() + make_interval(months => ${months}::int))`.execute(
    db,
  )
  return (await listPartitions(db))
    .map((partition) => partition.name)
    .filter((name) => !before.has(name))
}

/**
 * The partitions with their bounds, read back from the catalog's text form ("FOR VALUES FROM
 * ('2025-01-01 00:00:00+00') TO (...)"), which casts back exactly in the same session; MINVALUE,
 * MAXVALUE and a default partition have no date and are never dropped.
 */
export async function listPartitions(db: UpkeepConnection): Promise<StatusPartition[]> {
  const { rows } = await sql<{
    name: string
    from: Date | null
    to: Date | null
    detach_pending: boolean
    holds_import: boolean
  }>`
    with parts as (
      select c.relname::text as name, i.inhdetachpending as detach_pending,
             substring(pg_get_expr(c.relpartbound, c.oid) from 'FROM \\(''([^'']+)''\\)')::timestamptz as "from",
             substring(pg_get_expr(c.relpartbound, c.oid) from 'TO \\(''([^'']+)''\\)')::timestamptz as "to"
        from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'station_status'::regclass
    )
    select p.*,
           exists (select 1 from status_imports si
                    where si.first_snapshot_at < p."to" and si.last_snapshot_at >= p."from") as holds_import
      from parts p
     order by p."from" nulls first, p.name`.execute(db)
  return rows.map((row) => ({
    name: row.name,
    from: row.from,
    to: row.to,
    detachPending: row.detach_pending,
    holdsImport: row.holds_import,
  }))
}

/**
 * Detaches a partition without blocking the readers and writers of station_status (CONCURRENTLY
 * takes only a SHARE UPDATE EXCLUSIVE lock on the parent and waits for the queries that may see
 * the partition), then drops the table, which nobody reads any more. A detach cut halfway leaves
 * the partition "detach pending"; FINALIZE completes it.
 */
export async function dropPartition(
  db: UpkeepConnection,
  partition: StatusPartition,
): Promise<void> {
  const name = sql.id(partition.name)
  await sql`alter table station_status detach partition ${name} ${sql.raw(
    partition.detachPending ? 'finalize' : 'concurrently',
  )}`.execute(db)
  await sql`drop table ${name}`.execute(db)
}

/** The first instant kept of the status history: the start of the month `months` ago, UTC. */
export async function statusKeptFrom(db: UpkeepConnection, months: number): Promise<Date> {
  const { rows } = await sql<{ kept_from: Date }>`
    select date_trunc('month', (now() - make_interval(months => ${months}::int)) at time zone 'UTC')
           at time zone 'UTC' as kept_from`.execute(db)
  return (rows[0] as { kept_from: Date }).kept_from
}

export async function cutoffDays(db: UpkeepConnection, days: number): Promise<Date> {
  const { rows } = await sql<{ cutoff: Date }>`
    select now() - make_interval(days => ${days}::int) as cutoff`.execute(db)
  return (rows[0] as { cutoff: Date }).cutoff
}

export async function cutoffMonths(db: UpkeepConnection, months: number): Promise<Date> {
  const { rows } = await sql<{ cutoff: Date }>`
    select now() - make_interval(months => ${months}::int) as cutoff`.execute(db)
  return (rows[0] as { cutoff: Date }).cutoff
}

/** Deletes at most `limit` rows older than `before` in one short statement; how many it deleted. */
export type DeleteBatch = (db: UpkeepConnection, before: Date, limit: number) => Promise<number>

async function deleted(query: Promise<{ numAffectedRows?: bigint }>): Promise<number> {
  return Number((await query).numAffectedRows ?? 0n)
}

export const deleteFeedPolls: DeleteBatch = (db, before, limit) =>
  deleted(
    sql`delete from feed_polls
         where poll_id in (select poll_id from feed_polls where started_at < ${before}
                            order by started_at limit ${limit})`.execute(db),
  )

/** crew_heartbeats has no key: a batch is found by its rows' physical addresses. */
export const deleteCrewHeartbeats: DeleteBatch = (db, before, limit) =>
  deleted(
    sql`delete from crew_heartbeats
         where ctid = any(array(select ctid from crew_heartbeats where at < ${before}
                                 limit ${limit}))`.execute(db),
  )

/**
 * A key past its expiry no longer replays anything (src/server/http/idempotency.ts starts over on
 * it): it is kept only until upkeep gets to it. `before` is now, not a retention.
 */
export const deleteIdempotencyKeys: DeleteBatch = (db, before, limit) =>
  deleted(
    sql`delete from idempotency_keys
         where (actor, idempotency_key) in (
           select actor, idempotency_key from idempotency_keys where expires_at < ${before}
            order by expires_at limit ${limit})`.execute(db),
  )

/** Through prune_audit_log: the append-only trigger refuses every other delete. */
export async function deleteAuditLog(
  db: UpkeepConnection,
  before: Date,
  limit: number,
): Promise<number> {
  const { rows } = await sql<{ deleted: number }>`
    select prune_audit_log(${before}, ${limit}) as deleted`.execute(db)
  return rows[0]?.deleted ?? 0
}

/**
 * Polled snapshots of the dropped months. Imported ones stay with their import (a history a
 * person loaded is removed by that person, not by age), and so do the polled ones of a month
 * kept for an import, as its partition is (the same UTC months as the partitions).
 */
export const deleteStatusSnapshots: DeleteBatch = (db, before, limit) =>
  deleted(
    sql`delete from status_snapshots
         where (system_id, observed_at) in (
           select s.system_id, s.observed_at from status_snapshots s
            where s.source = 'poll' and s.observed_at < ${before}
              and not exists (
                select 1 from status_imports si
                 where si.first_snapshot_at <
                         (date_trunc('month', s.observed_at at time zone 'UTC') + interval '1 month')
                         at time zone 'UTC'
                   and si.last_snapshot_at >=
                         date_trunc('month', s.observed_at at time zone 'UTC') at time zone 'UTC')
            limit ${limit})`.execute(db),
  )

/** Closed absences of the dropped months, except those inside an imported history's range. */
export const deleteStatusAbsences: DeleteBatch = (db, before, limit) =>
  deleted(
    sql`delete from station_status_absences
         where (system_id, station_id, since) in (
           select a.system_id, a.station_id, a.since from station_status_absences a
            where a.until is not null and a.until < ${before}
              and not exists (select 1 from status_imports si
                               where si.system_id = a.system_id
                                 and si.first_snapshot_at <= a.until
                                 and si.last_snapshot_at >= a.since)
            limit ${limit})`.execute(db),
  )
