import { monitorEventLoopDelay } from 'node:perf_hooks'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDatabase, type OpenDatabase } from '../src/server/db/connect.js'
import { startEmbeddedPostgres } from '../src/server/db/embedded-postgres.js'
import { silentLogger } from '../src/server/logger.js'
import { withDatabaseName } from '../test/helpers/database-url.js'

/** The value at quantile q (0..1) of already sorted numbers, interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.ceil(position)
  const low = sorted[below] ?? Number.NaN
  const high = sorted[above] ?? Number.NaN
  return low + (high - low) * (position - below)
}

export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  )
}

/** Milliseconds with a sensible number of digits. */
export function ms(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`
}

/** Prints rows as an aligned plain-text table (first row is the header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = []
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  rows.forEach((row, index) => {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    )
    if (index === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`)
  })
}

export interface BenchDatabase extends OpenDatabase {
  /** The server's admin URL (database `postgres`), for baselines that need their own database. */
  adminUrl: string
  /** Closes the pool, drops the scratch database and stops an embedded server. */
  dispose(): Promise<void>
}

/**
 * A scratch database with the whole schema: on BENCH_DATABASE_URL or TEST_DATABASE_URL when set
 * (an admin URL; a database named bench_<name>_<pid> is created and dropped there), else on an
 * embedded PostgreSQL in a temporary directory.
 */
export async function benchDatabase(name: string, poolSize = 16): Promise<BenchDatabase> {
  const logger = silentLogger()
  let adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
  let dataDir: string | null = null
  let stopEmbedded = async () => {}
  if (!adminUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'balancer-bench-pg-'))
    await chmod(dataDir, 0o755)
    const embedded = await startEmbeddedPostgres(dataDir, logger)
    adminUrl = withDatabaseName(embedded.url, 'postgres')
    stopEmbedded = () => embedded.release()
  }
  const database = `bench_${name}_${process.pid}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${admin.escapeIdentifier(database)} with (force)`)
  await admin.query(`create database ${admin.escapeIdentifier(database)}`)
  await admin.end()
  const opened = await openDatabase(
    {
      dataDir: dataDir ?? tmpdir(),
      databaseUrl: withDatabaseName(adminUrl, database),
      host: '127.0.0.1',
      port: 0,
    },
    logger,
    { poolSize },
  )
  const finalAdminUrl = adminUrl
  return {
    ...opened,
    adminUrl: finalAdminUrl,
    dispose: async () => {
      await opened.close()
      const client = new pg.Client({ connectionString: finalAdminUrl })
      await client.connect()
      await client.query(
        `drop database if exists ${client.escapeIdentifier(database)} with (force)`,
      )
      await client.end()
      await stopEmbedded()
      if (dataDir) await rm(dataDir, { recursive: true, force: true })
    },
  }
}

export interface ImportWatch {
  /** Stops watching: the event loop's p99 and max delay (ms) and the peak resident memory (MB). */
  stop(): { loopP99: number; loopMax: number; peakRssMb: number }
}

/**
 * Watches the process while an import runs: the event loop's delay (what a console drawing its
 * progress bar would feel) and resident memory, sampled every 20 ms (the peak of a streaming
 * import must not grow with the file).
 */
export function watchImport(): ImportWatch {
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 20)
  return {
    stop() {
      clearInterval(timer)
      loop.disable()
      peak = Math.max(peak, process.memoryUsage.rss())
      return {
        loopP99: loop.percentile(99) / 1e6,
        loopMax: loop.max / 1e6,
        peakRssMb: peak / 2 ** 20,
      }
    },
  }
}
