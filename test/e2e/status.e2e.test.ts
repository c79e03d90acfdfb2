import { spawn, spawnSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, waitUntil } from '../helpers/cli.js'
import { tempDir } from '../helpers/e2e.js'
import { NEEDS_SERVER, queryRows, serverDatabases, serverUrl } from '../helpers/server-databases.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { statusFixture } from '../helpers/status-history.js'

const WEEK = sharedData('status-history', 'baywheels-2023-07-10_16', 'station_status.csv.gz')

let dir: string
const databases = serverDatabases('status')

beforeAll(async () => {
  dir = await tempDir('balancer-status-e2e-')
})
afterAll(async () => {
  await databases.dropAll()
  await rm(dir, { recursive: true, force: true })
})

/** What a database holds of imported status history. */
async function history(url: string) {
  const [counts] = await queryRows<Record<string, number>>(
    url,
    `select (select count(*) from station_status)::int as status,
            (select count(*) from status_imports)::int as imports,
            (select count(*) from status_import_errors)::int as errors,
            (select count(*) from status_snapshots)::int as snapshots,
            (select count(*) from station_status_absences)::int as absences`,
  )
  return counts
}

/** `npm run balancer -- <args>`, exactly as the README says. */
function balancer(args: string[], url: string) {
  return spawnSync('npm', ['run', '--silent', 'balancer', '--', ...args], {
    env: cliEnv({ DATABASE_URL: url, BALANCER_DATA_DIR: join(dir, 'data') }),
    encoding: 'utf8',
  })
}

describe.skipIf(!serverUrl)(
  `balancer import-status on the project's fixtures${NEEDS_SERVER}`,
  () => {
    it('prints the report as JSON with --json', async () => {
      const url = await databases.fresh()
      const run = balancer(['import-status', statusFixture('week.csv.gz'), '--json'], url)
      expect(run.status, run.stderr).toBe(0)
      const report = JSON.parse(run.stdout) as Record<string, unknown>
      expect(report).toMatchObject({
        status: 'imported',
        systemId: 'lyft_bay',
        systemCreated: true,
        rowsRead: 20,
        rowsWritten: 8,
        snapshots: 5,
        medianSpacingSeconds: 608.5,
        days: { from: '2023-07-10', to: '2023-07-11' },
      })
    })

    it('exits 1 naming the line of a damaged file, without a stack trace, having written nothing', async () => {
      const url = await databases.fresh()
      const run = balancer(['import-status', statusFixture('short-row.csv')], url)
      expect(run.status).toBe(1)
      expect(run.stderr).toMatch(
        /balancer: short-row\.csv, line 5: missing data for column "is_returning"; the file is damaged or cut off, so nothing was imported/,
      )
      expect(run.stderr).not.toMatch(/\n\s+at /)
      expect(await history(url)).toEqual({
        status: 0,
        imports: 0,
        errors: 0,
        snapshots: 0,
        absences: 0,
      })
    })
  },
)

describe.skipIf(!serverUrl || !hasSharedData)(
  `balancer import-status on the real Bay Wheels week${NEEDS_SERVER}${NEEDS_SHARED_DATA}`,
  () => {
    it('imports the week into an empty database: Bay Wheels created, its stations from beside the file, a summary a person reads', async () => {
      const url = await databases.fresh()
      const run = balancer(['import-status', WEEK], url)
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).toMatch(
        /Loaded 517 stations into system lyft_bay \(new system\) from station_information_first\.json, station_information_last\.json/,
      )
      expect(run.stdout).toMatch(/station_status\.csv\.gz: 454,443 rows read into system lyft_bay/)
      expect(run.stdout).toMatch(/[\d,]+ written, [\d,]+ unchanged, 0 rejected/)
      expect(run.stdout).toMatch(
        /879 snapshots of 517 stations, 2023-07-10 00:05:11 to 2023-07-16 23:53:52 \(America\/Los_Angeles\)/,
      )
      expect(run.stdout).toMatch(/median spacing 608\.5 s: gaps up to 20\.3 min are bridged/)
      expect(run.stdout).toMatch(/[\d,]+ rows\/s/)
      expect(run.stdout).toMatch(/days refreshed: 2023-07-10 to 2023-07-17 \(exclusive\)/)
      // Not a terminal: the progress line comes as plain lines on stderr.
      expect(run.stderr).toMatch(/station_status\.csv\.gz {2}reading/)
      expect(run.stderr).toMatch(/ {2}done {2}454,443 rows/)

      const again = balancer(['import-status', WEEK], url)
      expect(again.status, again.stderr).toBe(0)
      expect(again.stdout).toMatch(
        /already imported into system lyft_bay \(import #1, 454,443 rows/,
      )
    })

    it('killed while it writes, leaves nothing: no rows, no snapshots, no import record', async () => {
      const url = await databases.fresh()
      const database = new URL(url).pathname.slice(1)
      const child = spawn(process.execPath, ['bin/balancer.mjs', 'import-status', WEEK], {
        env: cliEnv({ DATABASE_URL: url, BALANCER_DATA_DIR: join(dir, 'data') }),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      )
      // The file is read; its rows are being checked and written (some seconds for the week).
      const writing = await waitUntil(async () => Promise.resolve(/writing/.test(stderr)), 60_000)
      expect(writing, stderr).toBe(true)
      child.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')

      const gone = await waitUntil(async () => {
        const backends = await queryRows<{ n: number }>(
          serverUrl ?? '',
          `select count(*)::int as n from pg_stat_activity
            where datname = '${database}' and application_name = 'balancer import-status'`,
        )
        return backends[0]?.n === 0
      }, 60_000)
      expect(gone).toBe(true)
      expect(await history(url)).toEqual({
        status: 0,
        imports: 0,
        errors: 0,
        snapshots: 0,
        absences: 0,
      })
    })
  },
)
