import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openDatabase } from '../../src/server/db/connect.js'
import { startEmbeddedPostgres } from '../../src/server/db/embedded-postgres.js'
import { silentLogger } from '../../src/server/logger.js'
import { withDatabaseName } from './database-url.js'

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL when set (CI points it at the machine's
 * PostgreSQL 15 with PostGIS), else an embedded one in a scratch directory. The schema is
 * migrated once into a template database; every test file clones it (milliseconds) and so
 * never sees another file's rows.
 */
export default async function setup(project: TestProject) {
  const logger = silentLogger()
  let dataDir: string | null = null
  let release = async () => {}
  let adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'balancer-test-pg-'))
    // mkdtemp makes it 0700; as root the server runs as `postgres`, which must get in.
    await chmod(dataDir, 0o755)
    const embedded = await startEmbeddedPostgres(dataDir, logger)
    adminUrl = withDatabaseName(embedded.url, 'postgres')
    release = () => embedded.release()
  }
  const template = `balancer_test_template_${process.pid}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${admin.escapeIdentifier(template)}`)
  await admin.query(`create database ${admin.escapeIdentifier(template)}`)
  await admin.end()

  const migrated = await openDatabase(
    {
      dataDir: dataDir ?? tmpdir(),
      databaseUrl: withDatabaseName(adminUrl, template),
      host: '127.0.0.1',
      port: 0,
    },
    logger,
    { poolSize: 1 },
  )
  await migrated.close()

  project.provide('testDatabase', { adminUrl, template, embedded: dataDir !== null })

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    await client.query(`drop database if exists ${client.escapeIdentifier(template)} with (force)`)
    await client.end()
    await release()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: { adminUrl: string; template: string; embedded: boolean }
  }
}
