import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import pg from 'pg'
import type { Settings } from '../config/settings.js'
import { openDatabase } from '../db/connect.js'
import type { Logger } from '../logger.js'

export interface GenerateTypesOptions {
  outFile: string
  check: boolean
}

/** The same introspection settings every time, so the committed file only changes with the schema. */
const CODEGEN_OPTIONS = {
  dialect: 'postgres',
  numericParser: 'number',
  // Matches the pool's int8 parser (src/server/db/database.ts).
  typeMapping: { int8: 'number' },
  logLevel: 'error',
  outFile: null,
} as const

/**
 * Regenerates the row types from a scratch database migrated from empty, on the same server the
 * settings select, so that no local data or extra objects leak into the types.
 */
export async function generateTypes(
  settings: Settings,
  logger: Logger,
  options: GenerateTypesOptions,
): Promise<string> {
  let codegen: typeof import('kysely-codegen')
  try {
    codegen = await import('kysely-codegen')
  } catch {
    throw new Error(
      'generate-types is a development command: run it in a checkout after npm install',
    )
  }
  const admin = await openDatabase(settings, logger, { poolSize: 1 })
  const scratchName = `balancer_codegen_${randomBytes(4).toString('hex')}`
  const adminUrl = new URL(admin.url)
  const scratchUrl = new URL(adminUrl)
  scratchUrl.pathname = `/${scratchName}`
  const client = new pg.Client({ connectionString: adminUrl.toString() })
  await client.connect()
  try {
    await client.query(`create database ${client.escapeIdentifier(scratchName)}`)
    const scratch = await openDatabase(
      { ...settings, databaseUrl: scratchUrl.toString() },
      logger,
      {
        poolSize: 1,
      },
    )
    await scratch.close()
    const text = await new codegen.Cli().generate({
      ...CODEGEN_OPTIONS,
      url: scratchUrl.toString(),
      // PostGIS adds stations.geom only where the server has it; the app never reads it through
      // Kysely, so the types are the same on every server.
      postprocess: ({ metadata }) => {
        for (const table of metadata.tables) {
          if (table.name === 'stations')
            table.columns = table.columns.filter((c) => c.name !== 'geom')
        }
        return Promise.resolve(metadata)
      },
    })
    if (options.check) {
      const committed = await readFile(options.outFile, 'utf8').catch(() => '')
      if (committed !== text) {
        throw new Error(
          `${options.outFile} is out of date with db/migrations: run npm run db:types`,
        )
      }
      return `${options.outFile} matches the migrations`
    }
    await writeFile(options.outFile, text)
    return `wrote ${options.outFile}`
  } finally {
    await client.query(`drop database if exists ${client.escapeIdentifier(scratchName)}`)
    await client.end()
    await admin.close()
  }
}
