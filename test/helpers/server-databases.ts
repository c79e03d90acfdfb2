import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { withDatabaseName } from './database-url.js'

/** The PostgreSQL server the command-line tests create their databases on (CI sets it). */
export const serverUrl = process.env.TEST_DATABASE_URL
export const NEEDS_SERVER = serverUrl ? '' : ' (skipped: needs TEST_DATABASE_URL)'

/**
 * Empty databases on the test server for a test file's commands to migrate and fill, named
 * `balancer_e2e_<kind>_...`, all dropped by `dropAll`.
 */
export function serverDatabases(kind: string): {
  fresh(): Promise<string>
  dropAll(): Promise<void>
} {
  const names: string[] = []
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end()
    }
  }
  return {
    async fresh() {
      const name = `balancer_e2e_${kind}_${randomBytes(4).toString('hex')}`
      await admin((client) => client.query(`create database "${name}"`))
      names.push(name)
      return withDatabaseName(serverUrl ?? '', name)
    },
    async dropAll() {
      if (!serverUrl) return
      await admin(async (client) => {
        for (const name of names)
          await client.query(`drop database if exists "${name}" with (force)`)
      })
    },
  }
}

/** The rows of one query on `url`, on a connection of its own. */
export async function queryRows<T extends pg.QueryResultRow>(
  url: string,
  text: string,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text)).rows
  } finally {
    await client.end()
  }
}
