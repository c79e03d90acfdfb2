import { spawnSync } from 'node:child_process'
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { sql } from 'kysely'
import type { TripImportDone, TripImportProgress } from '../src/shared/trips.js'
import { rebuildFlows } from '../src/server/flows/flows.repository.js'
import { silentLogger } from '../src/server/logger.js'
import { createTripsService } from '../src/server/trips/trips.service.js'
import { benchDatabase, median, printTable, watchImport } from './lib.js'

export const description =
  'trip import of a real month: rows/s vs psql \\copy of the same rows, and the station_flows update with and without history'

// npm runs benchmarks in the checkout; the real data is beside it in ../shared.
const SHARED = resolve(
  process.env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data'),
)
const MONTH = join(SHARED, 'trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')
const STATIONS = join(SHARED, 'gbfs', 'fordgobike-legacy-2018-04-30', 'station_information.json')

/** The 16 columns of the old Ford GoBike format: the plain table psql copies into. */
const PLAIN_COLUMNS = [
  'duration_sec',
  'start_time',
  'end_time',
  'start_station_id',
  'start_station_name',
  'start_station_latitude',
  'start_station_longitude',
  'end_station_id',
  'end_station_name',
  'end_station_latitude',
  'end_station_longitude',
  'bike_id',
  'user_type',
  'member_birth_year',
  'member_gender',
  'bike_share_for_all_trip',
]

interface Options {
  rounds: number
  history: number
  file: string
  copies: number
}

function parseArgs(args: string[]): Options {
  const options: Options = { rounds: 3, history: 5, file: MONTH, copies: 4 }
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1] ?? ''
    if (args[i] === '--rounds' && Number(value) > 0) options.rounds = Number(value)
    else if (args[i] === '--history' && Number(value) >= 0) options.history = Number(value)
    else if (args[i] === '--file' && value) options.file = resolve(value)
    else if (args[i] === '--copies' && Number.isInteger(Number(value)) && Number(value) > 0) {
      options.copies = Number(value)
    } else {
      throw new Error(
        `unknown option ${args[i] ?? ''}; use --rounds N --history MONTHS --file TRIPS.csv.gz --copies N`,
      )
    }
  }
  return options
}

interface ImportRun {
  done: TripImportDone
  /** Seconds until the file was read and copied (into the import's table, or staging). */
  copied: number
  /** Seconds until the trips were cast, mapped and inserted (before station_flows). */
  inserted: number
  total: number
  loopP99: number
  loopMax: number
  peakRssMb: number
}

/**
 * Moves every ISO date of a line `years` back: the copies of a month in one file are then months
 * of other years (as a file of several months is), not the same trips again.
 */
function yearsBack(text: string, years: number): string {
  return years === 0
    ? text
    : text.replace(/\b((?:19|20)\d\d)-(\d\d)-(\d\d)/g, (_, y: string, m: string, d: string) => {
        return `${Number(y) - years}-${m}-${d}`
      })
}

/**
 * The file's CSV, `copies` times over in one file (header once), copy k moved k years back;
 * streamed, line by line, so the benchmark's own memory stays small.
 */
async function writeCopies(file: string, csv: string, copies: number): Promise<void> {
  const out = createWriteStream(csv)
  for (let copy = 0; copy < copies; copy++) {
    let rest = ''
    let header = true
    const input = createReadStream(file)
    const lines = file.endsWith('.gz') ? input.pipe(createGunzip()) : input
    for await (const chunk of lines) {
      const text = rest + (chunk as Buffer).toString('latin1')
      const end = text.lastIndexOf('\n') + 1
      rest = text.slice(end)
      let body = text.slice(0, end)
      if (header) {
        const first = body.indexOf('\n') + 1
        if (first === 0) {
          rest = text
          continue
        }
        if (copy > 0) body = body.slice(first)
        header = false
      }
      if (!out.write(Buffer.from(yearsBack(body, copy), 'latin1'))) {
        await new Promise<void>((done) => out.once('drain', () => done()))
      }
    }
    if (rest)
      out.write(Buffer.from(yearsBack(rest.endsWith('\n') ? rest : `${rest}\n`, copy), 'latin1'))
  }
  await new Promise<void>((done, fail) =>
    out.end((error?: Error | null) => (error ? fail(error) : done())),
  )
}

function seconds(value: number): string {
  return value.toFixed(2)
}

const count = new Intl.NumberFormat('en-US')

/** psql's own \copy of the uncompressed file into a plain table of text columns. */
function psqlCopy(url: string, csv: string): number {
  const truncate = spawnSync('psql', [url, '-X', '-q', '-c', 'truncate bench_plain_trips'])
  if (truncate.status !== 0) throw new Error(`psql failed: ${truncate.stderr.toString()}`)
  const started = performance.now()
  const copy = spawnSync('psql', [
    url,
    '-X',
    '-q',
    '-c',
    `\\copy bench_plain_trips from '${csv}' with (format csv, header true)`,
  ])
  const elapsed = (performance.now() - started) / 1000
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr.toString()}`)
  return elapsed
}

export async function run(args: string[]): Promise<void> {
  const options = parseArgs(args)
  if (!existsSync(options.file)) {
    throw new Error(`${options.file} is missing (set BALANCER_SHARED_DATA, or give --file)`)
  }
  if (spawnSync('psql', ['--version']).status !== 0) {
    throw new Error('psql is needed for the \\copy baseline (apt-get install postgresql-client)')
  }
  const bench = await benchDatabase('trips', 4)
  const scratch = await mkdtemp(join(tmpdir(), 'balancer-bench-trips-'))
  try {
    const csv = join(
      scratch,
      `${options.copies > 1 ? `${options.copies}x-` : ''}${basename(options.file).replace(/\.gz$/, '')}`,
    )
    if (options.copies === 1) {
      await pipeline(
        createReadStream(options.file),
        options.file.endsWith('.gz') ? createGunzip() : (source) => source,
        createWriteStream(csv),
      )
    } else {
      await writeCopies(options.file, csv, options.copies)
    }
    // One copy imports the file as given (compressed); several, the file made of them.
    const imported = options.copies === 1 ? options.file : csv
    await sql
      .raw(`create table bench_plain_trips (${PLAIN_COLUMNS.map((c) => `${c} text`).join(', ')})`)
      .execute(bench.db)
    const trips = createTripsService({
      db: bench.db,
      databaseUrl: bench.url,
      logger: silentLogger(),
    })

    async function importInto(systemId: string): Promise<ImportRun> {
      const phases = new Map<TripImportProgress['phase'], number>()
      if (existsSync(STATIONS)) {
        await trips.importFiles({ paths: [], systemId, stationsFile: STATIONS })
      }
      const watch = watchImport()
      const report = await trips.importFiles({ paths: [imported], systemId }, (progress) => {
        if (!phases.has(progress.phase)) phases.set(progress.phase, progress.elapsedSeconds)
      })
      const watched = watch.stop()
      const done = report.outcomes[0]
      if (done?.status !== 'imported') throw new Error(`import failed: ${JSON.stringify(done)}`)
      return {
        done,
        copied: phases.get('inserting') ?? Number.NaN,
        inserted: phases.get('flows') ?? Number.NaN,
        total: done.seconds,
        ...watched,
      }
    }

    // Alternate the baseline and the import so that both see the same machine.
    const baseline: number[] = []
    const imports: ImportRun[] = []
    for (let round = 1; round <= options.rounds; round++) {
      baseline.push(psqlCopy(bench.url, csv))
      imports.push(await importInto(`fgb_round_${round}`))
    }
    const first = imports[0]
    if (!first) throw new Error('no rounds')
    const rows = first.done.rowsRead
    const copy = median(baseline)
    const copied = median(imports.map((r) => r.copied))
    const inserted = median(imports.map((r) => r.inserted))
    const total = median(imports.map((r) => r.total))
    const flows = median(imports.map((r) => r.done.flowSeconds))
    const rate = (s: number) => count.format(Math.round(rows / s))
    const ratio = (s: number) => (copy / s).toFixed(2)

    process.stdout.write(
      `\nTrip import of ${basename(imported)}${options.copies > 1 ? ` (${options.copies} copies of ${basename(options.file)}, each a year before the last)` : ''}: ${count.format(rows)} rows (${(statSync(csv).size / 1e6).toFixed(1)} MB of CSV, ${(statSync(imported).size / 1e6).toFixed(1)} MB as read), ${options.rounds} rounds, medians\n` +
        `stations: ${first.done.stations.idsMatched} of ${first.done.stations.ids} ids matched by ${first.done.stations.matchedBy ?? '-'}\n\n`,
    )
    printTable([
      ['', 'seconds', 'rows/s', 'share of psql \\copy rows/s'],
      ['psql \\copy, uncompressed, into a plain table', seconds(copy), rate(copy), '1.00'],
      [
        "import: read + decompress + COPY into the import's table (typed, stations mapped)",
        seconds(copied),
        rate(copied),
        ratio(copied),
      ],
      [
        'import: + survey, station summary, checks (the careful way: cast, insert)',
        seconds(inserted),
        rate(inserted),
        ratio(inserted),
      ],
      [
        'import: + station_flows update, attach, commit (total)',
        seconds(total),
        rate(total),
        `${ratio(total)} (target 0.50: ${copy / total >= 0.5 ? 'met' : 'MISSED'})`,
      ],
    ])
    process.stdout.write(
      `\nstation_flows update of the file (incremental, in the import): ${seconds(flows)} s, ${count.format(first.done.flowBins)} bins\n` +
        `event loop while importing: p99 delay ${median(imports.map((r) => r.loopP99)).toFixed(1)} ms, max ${median(imports.map((r) => r.loopMax)).toFixed(1)} ms; peak resident memory ${Math.max(...imports.map((r) => r.peakRssMb)).toFixed(0)} MB\n`,
    )

    if (options.history > 0) {
      // History: the same month moved 1..N years (of 52 weeks) back, in the system the month is imported into.
      const system = 'fgb_history'
      await trips.importFiles({ paths: [], systemId: system, stationsFile: STATIONS })
      const source = 'fgb_round_1'
      const started = performance.now()
      for (let years = 1; years <= options.history; years++) {
        await sql`
          insert into trips (system_id, started_at, ended_at, duration_sec, start_station_id,
                             end_station_id, start_station_raw, end_station_raw,
                             start_station_name, end_station_name, bike_id, member_type)
          -- 52 weeks a year: a year back from February 29th would move a trip's end before
          -- its start
          select ${system}, started_at - make_interval(weeks => 52 * ${years}),
                 ended_at - make_interval(weeks => 52 * ${years}), duration_sec, start_station_id,
                 end_station_id, start_station_raw, end_station_raw, start_station_name,
                 end_station_name, bike_id, member_type
            from trips where system_id = ${source}`.execute(bench.db)
      }
      await sql`vacuum analyze trips`.execute(bench.db)
      const rebuildStarted = performance.now()
      const recounted = await rebuildFlows(bench.db, system)
      const rebuildBefore = (performance.now() - rebuildStarted) / 1000
      await sql`vacuum analyze station_flows`.execute(bench.db)
      const filled = (performance.now() - started) / 1000
      const withHistory = await importInto(system)
      const rebuildStarted2 = performance.now()
      const recountedAfter = await rebuildFlows(bench.db, system)
      const rebuildAfter = (performance.now() - rebuildStarted2) / 1000
      process.stdout.write(
        `\nstation_flows with history (${options.history} earlier months of trips, ${count.format(recounted)} bins, made in ${seconds(filled)} s):\n`,
      )
      printTable([
        ['', "months of the system's trips", 'seconds'],
        ['incremental update of a new month (median of the rounds)', '0 before it', seconds(flows)],
        [
          'incremental update of a new month (one run)',
          `${options.history} before it`,
          seconds(withHistory.done.flowSeconds),
        ],
        [
          'full recount of the system (a refresh of the 0001 view)',
          String(options.history),
          seconds(rebuildBefore),
        ],
        [
          'full recount of the system (a refresh of the 0001 view)',
          String(options.history + 1),
          seconds(rebuildAfter),
        ],
      ])
      process.stdout.write(
        `(the recounts give ${count.format(recountedAfter)} bins; the incremental update added ${count.format(withHistory.done.flowBins)})\n`,
      )
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
    await bench.dispose()
  }
}
