import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres } from '../../src/server/db/embedded-postgres.js'
import { silentLogger } from '../../src/server/logger.js'
import { withDatabaseName } from './database-url.js'

export interface ScratchDatabase {
  /** With credentials: what a `balancer` process under test gets as DATABASE_URL. */
  url: string
  /** Drops the database and stops the embedded server, if one was started. */
  drop(): Promise<void>
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/**
 * An empty database for end-to-end runs of real `balancer` processes: on TEST_DATABASE_URL's
 * server when set (CI), else on an embedded PostgreSQL of its own under `dir`.
 */
export async function scratchDatabase(
  dir: string,
  prefix = 'balancer_e2e',
): Promise<ScratchDatabase> {
  let adminUrl = process.env.TEST_DATABASE_URL
  let stopEmbedded = async () => {}
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres(join(dir, 'pg'), silentLogger())
    adminUrl = withDatabaseName(embedded.url, 'postgres')
    stopEmbedded = () => embedded.release()
  }
  const admin = adminUrl
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  await adminQuery(admin, `create database ${name}`)
  return {
    url: withDatabaseName(admin, name),
    drop: async () => {
      await adminQuery(admin, `drop database if exists ${name} with (force)`)
      await stopEmbedded()
    },
  }
}
