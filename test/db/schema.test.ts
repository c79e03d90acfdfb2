import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, MIGRATIONS } from '../../src/server/db/migrations.js'
import { silentLogger } from '../../src/server/logger.js'
import { SEED_TASK_FIELDS } from '../helpers/fixtures.js'
import {
  createEmptyDatabase,
  postgisAvailable,
  type TestDatabase,
} from '../helpers/test-database.js'

const TABLES = [
  'systems',
  'stations',
  'station_status',
  'station_status_latest',
  'feeds',
  'feed_polls',
  'trips',
  'trip_imports',
  'trip_import_errors',
  'station_flows',
  'suggestions',
  'tasks',
  'task_assignments',
  'audit_log',
  'engine_models',
  'engine_station_rates',
  'engine_model_metrics',
  'status_snapshots',
  'station_status_absences',
  'status_imports',
  'status_import_errors',
  'service_days',
  'service_station_days',
  'service_cluster_days',
]
const VIEWS = ['backend_tasks', 'assignments']
const MATERIALIZED_VIEWS = ['imbalance_scores']

describe('migrations from an empty database', () => {
  let empty: TestDatabase

  beforeAll(async () => {
    empty = await createEmptyDatabase()
  })
  afterAll(async () => {
    await empty.drop()
  })

  it('apply every migration in order, then nothing on the next start', async () => {
    const first = await migrateToLatest(empty.db, silentLogger())
    expect(first).toEqual(MIGRATIONS.map((m) => m.name))
    const second = await migrateToLatest(empty.db, silentLogger())
    expect(second).toEqual([])
  })

  it('create every table, view and materialized view of the seed, reconciled', async () => {
    const { rows } = await sql<{ relname: string; relkind: string }>`
      select c.relname, c.relkind
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm')`.execute(empty.db)
    const kinds = new Map(rows.map((row) => [row.relname, row.relkind]))
    for (const table of TABLES) expect(['r', 'p'], table).toContain(kinds.get(table))
    for (const view of VIEWS) expect(kinds.get(view), view).toBe('v')
    for (const view of MATERIALIZED_VIEWS) expect(kinds.get(view), view).toBe('m')
    expect(kinds.get('station_status')).toBe('p')
  })

  it('key stations by system and TEXT id, with foreign keys from everything that names one (trips: one set-based check per statement)', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
       where table_schema = current_schema()
         and column_name in ('station_id', 'from_station_id', 'to_station_id',
                             'start_station_id', 'end_station_id')`.execute(empty.db)
    expect(rows.length).toBeGreaterThan(8)
    for (const row of rows)
      expect(row.data_type, `${row.table_name}.${row.column_name}`).toBe('text')

    const fks = await sql<{ table_name: string }>`
      select distinct c.relname as table_name
        from pg_constraint k join pg_class c on c.oid = k.conrelid
       where k.contype = 'f' and k.confrelid = 'stations'::regclass
         and not c.relispartition`.execute(empty.db)
    expect(fks.rows.map((r) => r.table_name).sort()).toEqual(
      [
        'engine_station_rates',
        'problems',
        'service_cluster_days',
        'service_station_days',
        'station_expected_failures',
        'station_status',
        'station_status_absences',
        'station_status_latest',
        'suggestions',
        'tasks',
      ].sort(),
    )
    // Bulk-loaded trips check their stations once per statement instead of once per row.
    const guards = await sql<{ tgname: string }>`
      select tgname from pg_trigger
       where tgrelid = 'trips'::regclass and tgname like 'trips_station_references%'
       order by tgname`.execute(empty.db)
    expect(guards.rows.map((r) => r.tgname)).toEqual([
      'trips_station_references_insert',
      'trips_station_references_update',
    ])
  })

  it('use timestamptz for every time column', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
       where table_schema = current_schema()
         and data_type in ('timestamp without time zone', 'time without time zone')
         and table_name not like 'schema_migrations%'`.execute(empty.db)
    expect(rows).toEqual([])
  })

  it('keep the seed backend_tasks columns for tools built against it', async () => {
    const { rows } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
       where table_schema = current_schema() and table_name = 'backend_tasks'
       order by ordinal_position`.execute(empty.db)
    expect(rows.map((r) => r.column_name)).toEqual(SEED_TASK_FIELDS)
  })

  it('create station_status partitions ahead, with a BRIN index on time', async () => {
    const { rows } = await sql<{ partitions: number }>`
      select count(*) as partitions from pg_inherits
       where inhparent = 'station_status'::regclass`.execute(empty.db)
    // From last month to three months ahead.
    expect(rows[0]?.partitions).toBeGreaterThanOrEqual(4)
    const brin = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where indexname = 'station_status_ts_brin'`.execute(empty.db)
    expect(brin.rows[0]?.indexdef).toMatch(/USING brin \(ts\)/)
  })

  it('give the materialized views unique indexes, so they refresh concurrently', async () => {
    await sql`refresh materialized view concurrently imbalance_scores`.execute(empty.db)
  })

  it('add the seed geom column exactly where PostGIS is available', async () => {
    const available = await postgisAvailable(empty.db)
    const { rows } = await sql<{ udt_name: string }>`
      select udt_name from information_schema.columns
       where table_schema = current_schema() and table_name = 'stations'
         and column_name = 'geom'`.execute(empty.db)
    if (available) {
      expect(rows[0]?.udt_name).toBe('geography')
    } else {
      expect(rows).toEqual([])
    }
  })
})

describe('migrations racing', () => {
  it('two consoles starting at once apply each migration exactly once', async () => {
    const empty = await createEmptyDatabase()
    const second = await createEmptyDatabaseConnection(empty.url)
    try {
      const results = await Promise.all([
        migrateToLatest(empty.db, silentLogger()),
        migrateToLatest(second.db, silentLogger()),
      ])
      expect(results.flat().sort()).toEqual(MIGRATIONS.map((m) => m.name).sort())
      const { rows } = await sql<{
        n: number
      }>`select count(*) as n from schema_migrations`.execute(empty.db)
      expect(rows[0]?.n).toBe(MIGRATIONS.length)
    } finally {
      await second.db.destroy()
      await empty.drop()
    }
  })
})

async function createEmptyDatabaseConnection(url: string) {
  const { createDatabase, createPool } = await import('../../src/server/db/database.js')
  return { db: createDatabase(createPool(url, silentLogger(), { max: 2 })) }
}
