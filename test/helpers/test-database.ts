import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { createDatabase, createPool, type Database } from '../../src/server/db/database.js'
import { silentLogger } from '../../src/server/logger.js'
import { withDatabaseName } from './database-url.js'

export interface TestDatabase {
  db: Database
  pool: pg.Pool
  url: string
  name: string
  /** Closes the pool and drops the database. */
  drop(): Promise<void>
}

async function adminQuery(sql: string): Promise<void> {
  const { adminUrl } = inject('testDatabase')
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

async function create(fromTemplate: boolean): Promise<TestDatabase> {
  const { adminUrl, template } = inject('testDatabase')
  const name = `balancer_test_${randomBytes(6).toString('hex')}`
  const quoted = `"${name}"`
  await adminQuery(
    fromTemplate ? `create database ${quoted} template "${template}"` : `create database ${quoted}`,
  )
  const url = withDatabaseName(adminUrl, name)
  const pool = createPool(url, silentLogger(), { max: 8 })
  const db = createDatabase(pool)
  return {
    db,
    pool,
    url,
    name,
    drop: async () => {
      await db.destroy()
      await adminQuery(`drop database if exists ${quoted} with (force)`)
    },
  }
}

/** A database with the whole schema, private to the calling test file. */
export function createTestDatabase(): Promise<TestDatabase> {
  return create(true)
}

/** An empty database, for testing migrations themselves. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return create(false)
}

/** Whether the server under test can install PostGIS. */
export async function postgisAvailable(db: Database): Promise<boolean> {
  const { sql } = await import('kysely')
  const { rows } = await sql<{ available: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'postgis') as available`.execute(
    db,
  )
  return rows[0]?.available ?? false
}
