import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, waitUntil } from '../helpers/cli.js'
import { tempDir } from '../helpers/e2e.js'
import { NEEDS_SERVER, queryRows, serverDatabases, serverUrl } from '../helpers/server-databases.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { tripFixture } from '../helpers/trips.js'

const MONTH = sharedData('trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')
const FEED_2018 = sharedData('gbfs', 'fordgobike-legacy-2018-04-30', 'station_information.json')

let dir: string
const databases = serverDatabases('trips')

beforeAll(async () => {
  dir = await tempDir('balancer-trips-e2e-')
})
afterAll(async () => {
  await databases.dropAll()
  await rm(dir, { recursive: true, force: true })
})

/** `npm run balancer -- <args>`, exactly as the README says. */
function balancer(args: string[], url: string) {
  return spawnSync('npm', ['run', '--silent', 'balancer', '--', ...args], {
    env: cliEnv({ DATABASE_URL: url, BALANCER_DATA_DIR: join(dir, 'data') }),
    encoding: 'utf8',
  })
}

describe.skipIf(!serverUrl || !hasSharedData)(
  `balancer import-trips on real files${NEEDS_SERVER}${NEEDS_SHARED_DATA}`,
  () => {
    it('imports the February 2018 month against the 2018 stations: every row, 99.3 % matched, flows equal to a SQL count', async () => {
      const url = await databases.fresh()
      const run = balancer(['import-trips', MONTH, '--stations', FEED_2018, '--system', 'fgb'], url)
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/Loaded 312 stations into system fgb \(new system\)/)
      expect(run.stdout).toMatch(/106,718 rows, 106,718 imported, 0 rejected/)
      expect(run.stdout).toMatch(/273 of 275 ids matched by station_id \(match rate 99\.3 %\)/)
      expect(run.stdout).toMatch(/2 unmatched station id\(s\)/)
      expect(run.stdout).toMatch(/[\d,]+ rows\/s; station_flows: [\d,]+ bins updated/)
      // Not a terminal: the progress line comes as plain lines on stderr.
      expect(run.stderr).toMatch(/201802-fordgobike-tripdata\.csv\.gz {2}reading/)
      expect(run.stderr).toMatch(/ {2}done {2}106,718 rows/)

      const [count] = await queryRows<{ trips: number }>(
        url,
        `select count(*)::int as trips from trips where system_id = 'fgb'`,
      )
      expect(count?.trips).toBe(106_718)
      // The reviewer's own count: trips leaving and reaching Caltrain (station 30) per quarter hour.
      const differing = await queryRows<{ n: number }>(
        url,
        `with counted as (
           select bin, count(*) filter (where leaving)::int as outflow,
                  count(*) filter (where not leaving)::int as inflow
             from (select date_bin('15 minutes', started_at, timestamptz '2000-01-01') as bin, true as leaving
                     from trips where start_station_id = '30'
                   union all
                   select date_bin('15 minutes', ended_at, timestamptz '2000-01-01'), false
                     from trips where end_station_id = '30') e
            group by bin)
         select count(*)::int as n
           from counted c full join (select * from station_flows where station_id = '30') f
             on f.time_bin = c.bin
          where c.outflow is distinct from f.outflow or c.inflow is distinct from f.inflow`,
      )
      expect(differing[0]?.n).toBe(0)

      const again = balancer(['import-trips', MONTH], url)
      expect(again.status, again.stderr).toBe(0)
      expect(again.stdout).toMatch(/already imported \(import #1, 106,718 trips/)
    })

    it('imports a new-format file with CRLF against its feed, matching short_name', async () => {
      const url = await databases.fresh()
      const run = balancer(
        [
          'import-trips',
          sharedData('trips', 'divvy-202102-tripdata-first82rows-crlf.csv'),
          '--stations',
          sharedData('gbfs', 'divvy-2.3-2025-01-29', 'station_information.json'),
          '--system',
          'divvy',
          '--tz',
          'America/Chicago',
        ],
        url,
      )
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/82 rows, 82 imported, 0 rejected \(lyft format/)
      expect(run.stdout).toMatch(/72 of 72 ids matched by short_name \(match rate 100\.0 %\)/)
    })

    it('without a feed keeps every trip at 0 % with a hint, and maps them once stations are loaded', async () => {
      const url = await databases.fresh()
      const bare = balancer(['import-trips', MONTH, '--system', 'fgb'], url)
      expect(bare.status, bare.stderr).toBe(0)
      expect(bare.stdout).toMatch(/Created system fgb \(it has no stations yet\)/)
      expect(bare.stdout).toMatch(/106,718 rows, 106,718 imported/)
      expect(bare.stdout).toMatch(/0 of 275 ids matched \(match rate 0\.0 %\)/)
      expect(bare.stdout).toMatch(/hint: .*--stations station_information\.json/)

      const stations = balancer(['import-trips', '--stations', FEED_2018, '--system', 'fgb'], url)
      expect(stations.status, stations.stderr).toBe(0)
      expect(stations.stdout).toMatch(
        /Mapped 211,274 trip ends of 1 earlier import\(s\) to these stations/,
      )
      const refresh = balancer(['refresh'], url)
      expect(refresh.status, refresh.stderr).toBe(0)
      expect(refresh.stdout).toMatch(/fgb: 0 trip ends of 1 import\(s\)/)
      const [ends] = await queryRows<{ n: number }>(
        url,
        `select sum(outflow + inflow)::int as n from station_flows`,
      )
      expect(ends?.n).toBe(211_274)
    })
  },
)

describe.skipIf(!serverUrl)(`balancer import-trips killed mid-COPY${NEEDS_SERVER}`, () => {
  it('leaves nothing behind: no trips, no import record, no staging table', async () => {
    const url = await databases.fresh()
    const database = new URL(url).pathname.slice(1)
    // A pipe: the test decides how much of the file exists, so the COPY is surely under way.
    const fifo = join(dir, 'trips-arriving.csv')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const child = spawn(
      process.execPath,
      ['bin/balancer.mjs', 'import-trips', fifo, '--system', 'sfkill'],
      {
        env: cliEnv({ DATABASE_URL: url, BALANCER_DATA_DIR: join(dir, 'data') }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    )

    const [header, ...rows] = (await readFile(tripFixture('fordgobike-dst-2018.csv'), 'utf8'))
      .trimEnd()
      .split('\n')
    const pipe = createWriteStream(fifo)
    pipe.on('error', () => undefined)
    pipe.write(`${header}\n`)
    for (let i = 0; i < 2_000; i += 1) pipe.write(`${rows.join('\n')}\n`)

    const copying = await waitUntil(async () => {
      const progress = await queryRows<{ rows: number }>(
        serverUrl ?? '',
        `select tuples_processed::int as rows from pg_stat_progress_copy p
           join pg_stat_activity a using (pid) where a.datname = '${database}'`,
      ).catch(() => [])
      return (progress[0]?.rows ?? 0) > 0
    }, 60_000)
    expect(copying, stderr).toBe(true)

    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    pipe.destroy()
    const gone = await waitUntil(async () => {
      const backends = await queryRows<{ n: number }>(
        serverUrl ?? '',
        `select count(*)::int as n from pg_stat_activity
          where datname = '${database}' and application_name = 'balancer import-trips'`,
      )
      return backends[0]?.n === 0
    }, 30_000)
    expect(gone).toBe(true)

    const [left] = await queryRows<{
      trips: number
      imports: number
      flows: number
      staging: number
    }>(
      url,
      `select (select count(*) from trips)::int as trips,
              (select count(*) from trip_imports)::int as imports,
              (select count(*) from station_flows)::int as flows,
              (select count(*) from pg_class
                where relname in ('trip_staging', 'trip_station_ids', 'trip_station_map',
                                  'trip_new_flows'))::int as staging`,
    )
    expect(left).toEqual({ trips: 0, imports: 0, flows: 0, staging: 0 })
  })
})
