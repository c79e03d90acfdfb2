import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/server/cli/main.js'
import { DEFAULT_RETENTION } from '../../src/server/config/settings.js'
import type { Database } from '../../src/server/db/database.js'
import { silentLogger } from '../../src/server/logger.js'
import { createServiceLevelsService } from '../../src/server/service-levels/service-levels.service.js'
import { createStatusImportService } from '../../src/server/service-levels/status-import.js'
import { runUpkeep, type UpkeepReport } from '../../src/server/upkeep/upkeep.service.js'
import { seedStations } from '../helpers/fixtures.js'
import { statusFixture } from '../helpers/status-history.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

const SYSTEM = 'keep_bay'

/** `station_status_YYYY_MM` of the month `months` from now (negative: ago), UTC. */
function partitionName(months: number): string {
  const now = new Date()
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1))
  return `station_status_${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`
}

/** An instant in the middle (the 15th) of the month `months` from now. */
function midMonth(months: number): Date {
  const now = new Date()
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 15, 12))
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000)

async function partitions(db: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'station_status'::regclass order by 1`.execute(db)
  return rows.map((row) => row.name)
}

async function counts(db: Database) {
  const { rows } = await sql<Record<string, number>>`
    select (select count(*) from feed_polls)::int as polls,
           (select count(*) from crew_heartbeats)::int as heartbeats,
           (select count(*) from audit_log)::int as audit,
           (select count(*) from idempotency_keys)::int as keys,
           (select count(*) from status_snapshots)::int as snapshots,
           (select count(*) from station_status_absences)::int as absences,
           (select count(*) from station_status)::int as status`.execute(db)
  return rows[0]
}

/** A status row and its polled snapshot at `at`, in the partition made for it. */
async function polledStatus(db: Database, at: Date): Promise<void> {
  await sql`select ensure_station_status_partitions(${at}, ${at})`.execute(db)
  await db
    .insertInto('station_status')
    .values({
      system_id: SYSTEM,
      station_id: 'a',
      ts: at,
      num_bikes_available: 3,
      num_docks_available: 7,
      is_installed: true,
      is_renting: true,
      is_returning: true,
    })
    .execute()
  await db
    .insertInto('status_snapshots')
    .values({ system_id: SYSTEM, observed_at: at, source: 'poll', stations: 2 })
    .execute()
}

describe('upkeep on a database with old rows', () => {
  let test: TestDatabase
  let report: UpkeepReport

  beforeAll(async () => {
    test = await createTestDatabase()
    const db = test.db
    await seedStations(db, [{ station_id: 'a' }, { station_id: 'b' }], SYSTEM)
    // Status: 15 and 14 months ago (past the 13), 12 months ago and this month (kept).
    for (const months of [-15, -14, -12, 0]) await polledStatus(db, midMonth(months))
    // An imported history 20 months ago: old enough, but a person loaded it.
    await polledStatus(db, midMonth(-20))
    await db
      .insertInto('status_imports')
      .values({
        system_id: SYSTEM,
        file_name: 'old.csv',
        content_sha256: 'a'.repeat(64),
        rows_read: 1,
        rows_written: 1,
        rows_rejected: 0,
        rows_unknown_station: 0,
        snapshots: 1,
        stations: 1,
        first_snapshot_at: midMonth(-20),
        last_snapshot_at: midMonth(-20),
        bytes: 10,
        seconds: 0.1,
        days_summarised_at: new Date(),
      })
      .execute()
    // Absences: one closed 15 months ago (goes), one closed last month, one still open.
    await db
      .insertInto('station_status_absences')
      .values([
        {
          system_id: SYSTEM,
          station_id: 'b',
          since: midMonth(-15),
          until: new Date(midMonth(-15).getTime() + 3 * 86_400_000),
        },
        { system_id: SYSTEM, station_id: 'a', since: midMonth(-1), until: daysAgo(20) },
        { system_id: SYSTEM, station_id: 'b', since: daysAgo(3), until: null },
      ])
      .execute()
    // A future partition missing: upkeep makes it again.
    await sql`drop table if exists ${sql.id(partitionName(2))}`.execute(db)

    // Polls: 23 older than 30 days, 5 newer.
    const feed = await db
      .insertInto('feeds')
      .values({ url: 'http://127.0.0.1:1/gbfs.json' })
      .returning('feed_id')
      .executeTakeFirstOrThrow()
    const poll = (at: Date) => ({
      feed_id: feed.feed_id,
      started_at: at,
      finished_at: at,
      outcome: 'not_modified',
    })
    await db
      .insertInto('feed_polls')
      .values([
        ...Array.from({ length: 23 }, (_, i) => poll(daysAgo(31 + i))),
        ...Array.from({ length: 5 }, (_, i) => poll(daysAgo(29 - i))),
      ])
      .execute()
    // Heartbeats: 11 older than 90 days, 4 newer (one a minute before the line).
    await db.insertInto('crews').values({ crew_id: 'van-1', name: 'Van 1' }).execute()
    await db
      .insertInto('crew_heartbeats')
      .values([
        ...Array.from({ length: 11 }, (_, i) => ({ crew_id: 'van-1', at: daysAgo(91 + i) })),
        ...Array.from({ length: 4 }, (_, i) => ({
          crew_id: 'van-1',
          at: new Date(daysAgo(90).getTime() + 60_000 + i * 86_400_000),
        })),
      ])
      .execute()
    // Audit: 9 older than two years, 3 newer.
    const audit = (at: Date) => ({ at, actor: 'test', action: 'task.approve', entity: 'task' })
    await db
      .insertInto('audit_log')
      .values([
        ...Array.from({ length: 9 }, (_, i) => audit(daysAgo(740 + i))),
        ...Array.from({ length: 3 }, (_, i) => audit(daysAgo(700 - i))),
      ])
      .execute()

    // Idempotency keys: 6 expired (their retries are over), 2 still live.
    const key = (i: number, createdDaysAgo: number) => ({
      actor: 'token:1',
      idempotency_key: `key-${i}`,
      method: 'POST',
      path: '/dispatch/next',
      request_hash: Buffer.alloc(32, i),
      status: 200,
      response_body: '{}',
      created_at: daysAgo(createdDaysAgo),
      expires_at: new Date(daysAgo(createdDaysAgo).getTime() + 86_400_000),
    })
    await db
      .insertInto('idempotency_keys')
      .values([...Array.from({ length: 6 }, (_, i) => key(i, 2 + i)), key(6, 0.5), key(7, 0.1)])
      .execute()

    // Batches of 4: every table takes several statements to empty.
    report = await runUpkeep({
      db,
      logger: silentLogger(),
      retention: DEFAULT_RETENTION,
      refreshDays: () => Promise.resolve(),
      batchSize: 4,
    })
  })
  afterAll(async () => {
    await test.drop()
  })

  it('drops the status partitions entirely older than the retention, and keeps the rest', async () => {
    expect(report.partitions.errors).toEqual([])
    expect(report.partitions.dropped).toEqual([partitionName(-15), partitionName(-14)])
    expect(report.partitions.keptForImports).toEqual([partitionName(-20)])
    const left = await partitions(test.db)
    expect(left).not.toContain(partitionName(-15))
    expect(left).not.toContain(partitionName(-14))
    for (const kept of [-20, -12, 0]) expect(left).toContain(partitionName(kept))
    // The rows of 20 and 12 months ago and of this month.
    expect((await counts(test.db))?.status).toBe(3)
  })

  it('creates the partitions of the next three months', async () => {
    expect(report.partitions.created).toEqual([partitionName(2)])
    const left = await partitions(test.db)
    for (const ahead of [1, 2, 3]) expect(left).toContain(partitionName(ahead))
  })

  it('deletes exactly the rows past their retention, in batches', async () => {
    const deleted = Object.fromEntries(report.pruned.map((p) => [p.table, p.deleted]))
    expect(deleted).toEqual({
      status_snapshots: 2,
      station_status_absences: 1,
      feed_polls: 23,
      crew_heartbeats: 11,
      audit_log: 9,
      idempotency_keys: 6,
    })
    const polls = report.pruned.find((p) => p.table === 'feed_polls')
    expect(polls).toMatchObject({ batches: 6, more: false })
    expect(report.pruned.every((p) => p.error === undefined)).toBe(true)
    expect(await counts(test.db)).toEqual({
      polls: 5,
      heartbeats: 4,
      audit: 3,
      keys: 2,
      // The imported month's, 12 months ago and this month.
      snapshots: 3,
      absences: 2,
      status: 3,
    })
  })

  it('leaves the audit log append-only to everyone else', async () => {
    await expect(sql`delete from audit_log`.execute(test.db)).rejects.toThrow(
      /audit_log is append-only/,
    )
    await expect(
      sql`select prune_audit_log(now() - interval '1 day', 10)`.execute(test.db),
    ).rejects.toThrow(/keeps at least 30 days/)
  })

  it('has nothing left to do on a second run, through the command line', async () => {
    let printed = ''
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk)
      return true
    })
    let code: number
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'balancer-upkeep-'))
      code = await main([
        'node',
        'balancer',
        'upkeep',
        '--json',
        '--database-url',
        test.url,
        '--data-dir',
        dataDir,
      ])
      await rm(dataDir, { recursive: true })
    } finally {
      write.mockRestore()
    }
    expect(code).toBe(0)
    const again = JSON.parse(printed) as UpkeepReport
    expect(again.partitions).toMatchObject({ created: [], dropped: [], errors: [] })
    expect(again.pruned.map((p) => p.deleted)).toEqual([0, 0, 0, 0, 0, 0])
    expect(again.retention).toEqual(DEFAULT_RETENTION)
  })
})

describe('an import killed after its commit', () => {
  let test: TestDatabase

  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(async () => {
    await test.drop()
  })

  const levels = () => createServiceLevelsService({ db: test.db, logger: silentLogger() })
  const summarisedDays = async () =>
    (
      await test.db
        .selectFrom('service_days')
        .select(sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'))
        .where('system_id', '=', 'killed')
        .orderBy('day')
        .execute()
    ).map((row) => row.day)
  const unsummarised = async () =>
    (
      await test.db
        .selectFrom('status_imports')
        .select('import_id')
        .where('days_summarised_at', 'is', null)
        .execute()
    ).length

  it('has its days summarised by the next import-status, whichever file it imports', async () => {
    // The process "dies" between the commit and the recompute: the rows are in, the days not.
    const dying = createStatusImportService({
      db: test.db,
      databaseUrl: test.url,
      logger: silentLogger(),
      refreshDays: () => Promise.reject(new Error('killed')),
    })
    await expect(
      dying.importFile({ path: statusFixture('week.csv'), systemId: 'killed' }),
    ).rejects.toThrow(/was imported \(import #\d+\)/)
    expect(await unsummarised()).toBe(1)
    expect(await summarisedDays()).toEqual([])

    // The next run, of the same file: nothing to import, but the days are made up for.
    const next = createStatusImportService({
      db: test.db,
      databaseUrl: test.url,
      logger: silentLogger(),
      refreshDays: (system, from, to) => levels().refresh({ system, from, to, rebuild: true }),
    })
    const again = await next.importFile({ path: statusFixture('week.csv'), systemId: 'killed' })
    expect(again.status).toBe('already-imported')
    expect(await summarisedDays()).toEqual(['2023-07-10'])
    expect(await unsummarised()).toBe(0)
  })

  it('is also made up for by the leader’s upkeep', async () => {
    await sql`update status_imports set days_summarised_at = null`.execute(test.db)
    await sql`delete from service_days`.execute(test.db)
    const report = await runUpkeep({
      db: test.db,
      logger: silentLogger(),
      refreshDays: (system, from, to) => levels().refresh({ system, from, to, rebuild: true }),
    })
    expect(report.imports.summarised).toMatchObject([
      { systemId: 'killed', from: '2023-07-10', to: '2023-07-11' },
    ])
    expect(await summarisedDays()).toEqual(['2023-07-10'])
    expect(await unsummarised()).toBe(0)
  })
})
