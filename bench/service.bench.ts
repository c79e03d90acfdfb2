import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pipeline } from 'node:stream/promises'
import { createGunzip, gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import type { Database } from '../src/server/db/database.js'
import { FeedError } from '../src/server/gbfs/feed-error.js'
import type { FetchFile } from '../src/server/gbfs/fetch.js'
import { FeedPoll } from '../src/server/gbfs/poller.js'
import { silentLogger } from '../src/server/logger.js'
import { createServiceLevelsService } from '../src/server/service-levels/service-levels.service.js'
import { createStatusImportService } from '../src/server/service-levels/status-import.js'
import { benchDatabase, median, ms, printTable, watchImport, type ImportWatch } from './lib.js'

export const description =
  'service levels of the real Bay Wheels week: import vs psql \\copy, a week from scratch vs one SQL statement, one more poll, the Service page over 30 days'

const SHARED = resolve(
  process.env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data'),
)
const WEEK = join(SHARED, 'status-history', 'baywheels-2023-07-10_16')
const HISTORY = join(WEEK, 'station_status.csv.gz')
const STATIONS = join(WEEK, 'station_information_last.json')

function parseArgs(args: string[]): { rounds: number } {
  const options = { rounds: 5 }
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1])
    if (args[i] === '--rounds' && Number.isInteger(value) && value > 0) options.rounds = value
    else throw new Error(`unknown option ${args[i] ?? ''}; use --rounds N`)
  }
  return options
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now()
  const value = await work()
  return [performance.now() - started, value]
}

/** psql's own \copy of the uncompressed history into a plain table of text columns. */
function psqlCopy(url: string, csv: string): number {
  const prepare = spawnSync('psql', [
    url,
    '-X',
    '-q',
    '-c',
    'create table if not exists bench_plain_status (poll_time text, station_id text, last_reported text, bikes text, ebikes text, docks text, docks_disabled text, bikes_disabled text, is_installed text, is_renting text, is_returning text); truncate bench_plain_status',
  ])
  if (prepare.status !== 0) throw new Error(`psql failed: ${prepare.stderr.toString()}`)
  const started = performance.now()
  const copy = spawnSync('psql', [
    url,
    '-X',
    '-q',
    '-c',
    `\\copy bench_plain_status from '${csv}' with (format csv, header true)`,
  ])
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr.toString()}`)
  return performance.now() - started
}

/**
 * The baseline: each station's minutes empty and full over the week's service hours in one SQL
 * statement (multiranges: each state held until the station's next row, cut to the bridged
 * spans and to 06:00-22:00) — what the daily summaries hold, without days or clusters.
 */
async function rawSqlWeek(db: Database, systemId: string) {
  const { rows } = await sql<{ stations: number; empty: number; full: number }>`
    with snapshots as (
      select s.observed_at as t, lead(s.observed_at) over (order by s.observed_at) as next,
             i.median_spacing_seconds as spacing
        from status_snapshots s join status_imports i using (import_id)
       where s.system_id = ${systemId}
    ),
    service as (
      select range_agg(tstzrange((d + time '06:00') at time zone 'America/Los_Angeles',
                                 (d + time '22:00') at time zone 'America/Los_Angeles')) as hours
        from generate_series(timestamp '2023-07-10', timestamp '2023-07-16', interval '1 day') d
    ),
    known as (
      select range_agg(tstzrange(t, next)) * (select hours from service) as spans
        from snapshots
       where next - t <= make_interval(secs => 2 * spacing)
    ),
    held as (
      select station_id,
             tstzmultirange(tstzrange(ts, lead(ts, 1, 'infinity') over (partition by station_id order by ts))) as r,
             is_installed and is_renting and num_bikes_available = 0 as is_empty,
             is_installed and is_returning and num_docks_available = 0 as is_full
        from station_status
       where system_id = ${systemId}
    ),
    minutes as (
      select station_id,
             coalesce(sum(extract(epoch from upper(p) - lower(p))) filter (where h.is_empty), 0) / 60 as empty_minutes,
             coalesce(sum(extract(epoch from upper(p) - lower(p))) filter (where h.is_full), 0) / 60 as full_minutes
        from held h
        cross join lateral unnest(h.r * (select spans from known)) as p
       where h.is_empty or h.is_full
       group by station_id
    )
    select count(*)::int as stations, sum(empty_minutes)::float8 as empty,
           sum(full_minutes)::float8 as full
      from minutes`.execute(db)
  return rows[0]
}

/** A GBFS station_status built from the history's last snapshot, as a live feed would send it. */
function liveStatus(csv: string, lastUpdated: number, variant: number): string {
  const lines = csv.trimEnd().split('\n')
  const lastTime = lines[lines.length - 1]?.split(',')[0] ?? ''
  const stations = lines
    .filter((line) => line.startsWith(lastTime))
    .map((line, index) => {
      const f = line.split(',')
      // A few stations move at each poll, as they do live.
      const bump = index % 37 === variant % 37 ? 1 : 0
      return {
        station_id: f[1],
        last_reported: lastUpdated - 30,
        num_bikes_available: Number(f[3]) + bump,
        num_ebikes_available: Number(f[4] || 0),
        num_docks_available: Math.max(0, Number(f[5]) - bump),
        num_docks_disabled: Number(f[6] || 0),
        num_bikes_disabled: Number(f[7] || 0),
        is_installed: Number(f[8]),
        is_renting: Number(f[9]),
        is_returning: Number(f[10]),
      }
    })
  return JSON.stringify({ last_updated: lastUpdated, ttl: 5, data: { stations } })
}

function memoryFeed(files: { information: string; status: () => string }): FetchFile {
  return (file) => {
    const text =
      file === 'station_information'
        ? files.information
        : file === 'station_status'
          ? files.status()
          : undefined
    if (text === undefined) return Promise.reject(new FeedError(file, 'HTTP 404 Not Found', 404))
    const etag = `"${createHash('sha1').update(text).digest('base64')}"`
    return Promise.resolve({
      kind: 'body',
      status: 200,
      text,
      validators: { etag, lastModified: null },
    })
  }
}

/** A zone where it is about noon now, so that today's service hours are under way. */
function noonZone(now = new Date()): string {
  const offset = now.getUTCHours() - 12
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '+' : '-'}${Math.abs(offset)}`
}

export async function run(args: string[]): Promise<void> {
  const { rounds } = parseArgs(args)
  const database = await benchDatabase('service', 8)
  const { db } = database
  const logger = silentLogger()
  const levels = createServiceLevelsService({ db, logger })
  const imports = createStatusImportService({
    db,
    databaseUrl: database.url,
    logger,
    refreshDays: () => Promise.resolve(),
  })
  const scratch = await mkdtemp(join(tmpdir(), 'balancer-bench-service-'))
  try {
    // Streamed to disk: the history is not held in memory while the imports are watched.
    const csv = join(scratch, 'station_status.csv')
    await pipeline(createReadStream(HISTORY), createGunzip(), createWriteStream(csv))

    // 1. The import, each time into a database of its own (the same file again is a no-op, and
    //    a second copy in the same partition would double what the days below read).
    const importMs: number[] = []
    const copyMs: number[] = []
    const watched: ReturnType<ImportWatch['stop']>[] = []
    let rowsRead = 0
    for (let i = 0; i < Math.min(rounds, 3); i += 1) {
      const target = i === 0 ? database : await benchDatabase(`service_import_${i}`, 4)
      try {
        const importer =
          i === 0
            ? imports
            : createStatusImportService({
                db: target.db,
                databaseUrl: target.url,
                logger,
                refreshDays: () => Promise.resolve(),
              })
        const watch = watchImport()
        const [elapsed, report] = await timed(() =>
          importer.importFile({ path: HISTORY, systemId: 'week', stationsFile: STATIONS }),
        )
        watched.push(watch.stop())
        if (report.status !== 'imported') throw new Error(`import ${i}: ${report.status}`)
        rowsRead = report.rowsRead
        importMs.push(elapsed)
        copyMs.push(psqlCopy(target.url, csv))
      } finally {
        if (target !== database) await target.dispose()
      }
    }

    const csvText = await readFile(csv, 'utf8')

    // 2. The week from scratch, against one SQL statement computing the stations' part of it.
    const scratchMs: number[] = []
    const baselineMs: number[] = []
    let days = 0
    let baseline = { stations: 0, empty: 0, full: 0 }
    for (let i = 0; i < rounds; i += 1) {
      const [elapsed, report] = await timed(() => levels.refresh({ system: 'week', rebuild: true }))
      scratchMs.push(elapsed)
      days = report.days.length
      const [sqlElapsed, result] = await timed(() => rawSqlWeek(db, 'week'))
      baselineMs.push(sqlElapsed)
      if (result) baseline = result
    }
    const summary = await levels.summary({ system: 'week', from: '2023-07-10', to: '2023-07-17' })

    // 3. One more poll: the week again, moved so that it ends five minutes ago in a zone where it
    //    is about noon, then a live poll and the refresh that follows it (today only).
    const zone = noonZone()
    const lines = csvText.trimEnd().split('\n')
    const lastTime = Date.parse(lines[lines.length - 1]?.split(',')[0] ?? '')
    const shift = Date.now() - 5 * 60_000 - lastTime
    const moved = [
      lines[0],
      ...lines.slice(1).map((line) => {
        const f = line.split(',')
        f[0] = new Date(Date.parse(f[0] ?? '') + shift).toISOString().replace('.000Z', 'Z')
        if (f[2]?.includes('T')) {
          f[2] = new Date(Date.parse(f[2]) + shift).toISOString().replace('.000Z', 'Z')
        }
        return f.join(',')
      }),
    ].join('\n')
    const movedFile = join(scratch, 'moved.csv.gz')
    await writeFile(movedFile, gzipSync(moved))
    const live = await imports.importFile({
      path: movedFile,
      systemId: 'live',
      stationsFile: STATIONS,
      timeZone: zone,
    })
    if (live.status !== 'imported') throw new Error('the moved week did not import')
    await levels.refresh({ system: 'live' })
    let current = ''
    const poll = await FeedPoll.open(
      { url: 'http://bench.invalid/live/station_information.json', systemId: 'live' },
      {
        db,
        logger,
        polledBy: 'bench',
        fetchFile: memoryFeed({
          information: await readFile(STATIONS, 'utf8'),
          status: () => current,
        }),
      },
    )
    const incrementalMs: number[] = []
    let recomputed: string[] = []
    for (let i = 0; i < rounds + 1; i += 1) {
      current = liveStatus(moved, Math.floor(Date.now() / 1000), i)
      const result = await poll.poll(new AbortController().signal)
      if (result.outcome !== 'ok') throw new Error(`poll: ${result.error ?? result.outcome}`)
      const [elapsed, report] = await timed(() => levels.refresh({ system: 'live' }))
      // The first poll also writes every station's latest state; the ones after are the steady case.
      if (i > 0) incrementalMs.push(elapsed)
      recomputed = report.days.map((d) => d.day)
    }

    // 4. The Service page over 30 days: the week's summaries repeated over the four weeks
    //    before it (35 days of 517 stations), then each of the page's reads.
    await sql`
      insert into service_days
      select system_id, day - 7 * k, window_start - make_interval(days => 7 * k),
             window_end - make_interval(days => 7 * k), as_of, complete, snapshots, bridge_seconds,
             stations, clusters, computed_at, compute_ms
        from service_days, generate_series(1, 4) k where system_id = 'week'`.execute(db)
    await sql`
      insert into service_station_days
      select system_id, day - 7 * k, station_id, seconds_known, seconds_empty, seconds_full,
             seconds_closed, seconds_unknown, seconds_available_1, seconds_available_2
        from service_station_days, generate_series(1, 4) k where system_id = 'week'`.execute(db)
    await sql`
      insert into service_cluster_days
      select system_id, day - 7 * k, station_id, members, seconds_out, seconds_out_empty,
             seconds_out_full, seconds_outage, episodes, longest_seconds
        from service_cluster_days, generate_series(1, 4) k where system_id = 'week'`.execute(db)
    await sql`analyze service_days, service_station_days, service_cluster_days`.execute(db)
    const range = { system: 'week', from: '2023-06-17', to: '2023-07-17' }
    const reads: Record<string, () => Promise<unknown>> = {
      'days (charts, headline)': () => levels.summary(range),
      'stations (worst stations)': () => levels.stations(range),
      'clusters (worst clusters)': () => levels.clusters(range),
      'crews (crews, tasks)': () => levels.crews(range),
      'tasks (before and after)': () => levels.taskEffects(range),
    }
    const readMs = new Map<string, number[]>()
    for (let i = 0; i < rounds * 4; i += 1) {
      for (const [name, read] of Object.entries(reads)) {
        const [elapsed] = await timed(read)
        readMs.set(name, [...(readMs.get(name) ?? []), elapsed])
      }
    }
    const stationDays = await sql<{ n: number }>`
      select count(*)::int as n from service_station_days
       where system_id = 'week' and day >= '2023-06-17' and day < '2023-07-17'`.execute(db)

    process.stdout.write(
      `The real Bay Wheels week (${rowsRead.toLocaleString('en-US')} rows, 879 snapshots, 517 stations), medians; ${rounds} rounds\n\n`,
    )
    const importMedian = median(importMs)
    const copyMedian = median(copyMs)
    printTable([
      ['step', 'ours', 'baseline', 'ours / baseline', 'target'],
      [
        `import-status (${importMs.length} runs)`,
        ms(importMedian),
        `psql \\copy ${ms(copyMedian)}`,
        `${(importMedian / copyMedian).toFixed(1)}x (${(copyMedian / importMedian).toFixed(2)} of \\copy's speed)`,
        copyMedian / importMedian >= 0.25 ? '>= 0.25 of \\copy: met' : '>= 0.25 of \\copy: MISSED',
      ],
      [
        `the week from scratch (${days} days, stations + clusters)`,
        ms(median(scratchMs)),
        `one SQL statement ${ms(median(baselineMs))}`,
        `${(median(scratchMs) / median(baselineMs)).toFixed(2)}x`,
        median(scratchMs) < 5000 ? '< 5 s: met' : '< 5 s: MISSED',
      ],
      [
        `after one more poll (recomputed: ${recomputed.join(', ') || 'nothing'})`,
        ms(median(incrementalMs)),
        '',
        '',
        median(incrementalMs) < 200 ? '< 200 ms: met' : '< 200 ms: MISSED',
      ],
      ...[...readMs].map(([name, values]) => [
        `30 days: ${name}`,
        ms(median(values)),
        '',
        '',
        median(values) < 100 ? '< 100 ms: met' : '< 100 ms: MISSED',
      ]),
    ])
    process.stdout.write(
      `\nWhile importing: event loop p99 delay ${median(watched.map((w) => w.loopP99)).toFixed(1)} ms (max ${Math.max(...watched.map((w) => w.loopMax)).toFixed(1)} ms), peak resident memory ${Math.max(...watched.map((w) => w.peakRssMb)).toFixed(0)} MB.\n` +
        `The baseline's minutes empty over the week: ${baseline.empty.toFixed(1)} (ours: ${summary.totals.minutes_empty.toFixed(1)}); full: ${baseline.full.toFixed(1)} (ours: ${summary.totals.minutes_full.toFixed(1)}).\n` +
        `The 30-day reads cover ${stationDays.rows[0]?.n.toLocaleString('en-US') ?? 0} station-days (the week's summaries repeated over the four weeks before it).\n`,
    )
  } finally {
    await rm(scratch, { recursive: true, force: true })
    await database.dispose()
  }
}
