import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/server/db/migrations.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { createEmptyDatabase, type TestDatabase } from '../helpers/test-database.js'
import { seedSfSystem, tripFixture } from '../helpers/trips.js'

/** station_flows partitioned by system and time (migration 0016, issue 18). */

let test: TestDatabase

const FLOWS = 'station_flows'

interface FlowRow {
  system_id: string
  station_id: string
  time_bin: string
  outflow: number
  inflow: number
}

async function flowRows(): Promise<FlowRow[]> {
  const { rows } = await sql<FlowRow>`
    select system_id, station_id, to_char(time_bin at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as time_bin,
           outflow, inflow
      from station_flows order by system_id, station_id, time_bin`.execute(test.db)
  return rows
}

/** The partitions of station_flows, their bounds written in UTC, and their rows. */
async function partitions(): Promise<{ name: string; bound: string; rows: number }[]> {
  return test.db.transaction().execute(async (trx) => {
    await sql`set local timezone = 'UTC'`.execute(trx)
    const { rows } = await sql<{ name: string; bound: string }>`
      select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
        from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = ${FLOWS}::regclass
       order by c.relname`.execute(trx)
    const counted = []
    for (const row of rows) {
      const { rows: n } = await sql<{ n: number }>`
        select count(*)::int as n from ${sql.table(row.name)}`.execute(trx)
      counted.push({ ...row, rows: n[0]?.n ?? -1 })
    }
    return counted
  })
}

beforeAll(async () => {
  test = await createEmptyDatabase()
  // The schema as it was before 0016, with counts of two systems in it. (Migrations numbered
  // after 0016 come after this test's.)
  for (const migration of MIGRATIONS.filter((m) => m.name < '0016')) {
    await sql.raw(migration.sql).execute(test.db)
  }
  await sql`
    insert into systems (system_id, name, timezone)
    values ('sf', 'SF', 'America/Los_Angeles'), ('oak', 'Oakland', 'America/Los_Angeles')`.execute(
    test.db,
  )
  await sql`
    insert into station_flows (system_id, station_id, time_bin, outflow, inflow)
    values ('sf', '1', '2023-07-01 10:00Z', 3, 1), ('sf', '1', '2023-07-01 10:15Z', 0, 2),
           ('sf', '2', '2023-07-31 23:45Z', 1, 0), ('oak', '9', '2022-01-01 00:00Z', 5, 5)`.execute(
    test.db,
  )
})
afterAll(async () => {
  await test.drop()
})

describe('migration 0016 on a database with counts', () => {
  it('keeps every row, in one partition per system from its first bin to its last', async () => {
    const before = await flowRows()
    const migration = MIGRATIONS.find((m) => m.name === '0016_flows_partitions')
    await sql.raw(migration?.sql ?? 'select missing_migration_0016()').execute(test.db)
    expect(await flowRows()).toEqual(before)
    expect(await partitions()).toEqual([
      { name: 'station_flows_default', bound: 'DEFAULT', rows: 0 },
      {
        name: 'station_flows_system_1',
        bound:
          "FOR VALUES FROM ('oak', '2022-01-01 00:00:00+00') TO ('oak', '2022-01-01 00:15:00+00')",
        rows: 1,
      },
      {
        name: 'station_flows_system_2',
        bound:
          "FOR VALUES FROM ('sf', '2023-07-01 10:00:00+00') TO ('sf', '2023-08-01 00:00:00+00')",
        rows: 3,
      },
    ])
  })

  it('still adds to a bin through its key, and puts a bin no partition covers in the default one', async () => {
    await sql`
      insert into station_flows (system_id, station_id, time_bin, outflow, inflow)
      values ('sf', '1', '2023-07-01 10:00Z', 1, 1), ('sf', '1', '2024-01-01 00:00Z', 2, 0)
      on conflict (system_id, station_id, time_bin) do update
        set outflow = station_flows.outflow + excluded.outflow,
            inflow = station_flows.inflow + excluded.inflow`.execute(test.db)
    const rows = await flowRows()
    expect(rows.filter((r) => r.system_id === 'sf' && r.station_id === '1')).toEqual([
      { system_id: 'sf', station_id: '1', time_bin: '2023-07-01 10:00', outflow: 4, inflow: 2 },
      { system_id: 'sf', station_id: '1', time_bin: '2023-07-01 10:15', outflow: 0, inflow: 2 },
      { system_id: 'sf', station_id: '1', time_bin: '2024-01-01 00:00', outflow: 2, inflow: 0 },
    ])
    expect((await partitions()).find((p) => p.name === 'station_flows_default')?.rows).toBe(1)
  })
})

describe('an import into a range of bins the system has no counts in', () => {
  it('writes its counts into a partition of its own, one per trip end', async () => {
    await seedSfSystem(test.db, 'sf2018', '2018')
    const trips = createTripsService({ db: test.db, databaseUrl: test.url, logger: silentLogger() })
    const first = await trips.importFiles({
      paths: [tripFixture('fordgobike-dst-2018.csv')],
      systemId: 'sf2018',
    })
    const done = first.outcomes[0]
    if (done?.status !== 'imported') throw new Error(JSON.stringify(done))
    const own = (await partitions()).find((p) => p.name === `station_flows_import_${done.importId}`)
    expect(own?.rows).toBe(done.flowBins)
    expect(own?.bound).toMatch(/^FOR VALUES FROM \('sf2018', .*\) TO \('sf2018', .*\)$/)
    const { rows } = await sql<{ ends: number; counted: number }>`
      select (select count(start_station_id) + count(end_station_id) from trips
               where system_id = 'sf2018')::int as ends,
             (select sum(outflow + inflow) from station_flows where system_id = 'sf2018')::int
               as counted`.execute(test.db)
    expect(rows[0]?.counted).toBe(rows[0]?.ends)
  })
})
