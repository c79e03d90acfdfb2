import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sql } from 'kysely'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { FeedConfig } from '../src/server/gbfs/discovery.js'
import { FeedError } from '../src/server/gbfs/feed-error.js'
import { FeedReader } from '../src/server/gbfs/feed-reader.js'
import type { FetchFile } from '../src/server/gbfs/fetch.js'
import { refreshImbalanceScores } from '../src/server/gbfs/gbfs.repository.js'
import { FeedPoll } from '../src/server/gbfs/poller.js'
import type { GbfsFile } from '../src/server/gbfs/types.js'
import { silentLogger } from '../src/server/logger.js'
import { benchDatabase, median, ms, printTable } from './lib.js'

export const description =
  'one GBFS poll (parse + validate + write) for Divvy (1,811 stations) and Bay Wheels (518) vs a plain COPY of the same rows'

interface Capture {
  name: string
  /** The feed URL the poller is given; files are served from memory by name. */
  url: string
  files: Partial<Record<GbfsFile, string>>
}

function sharedData(): string {
  return resolve(process.env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data'))
}

function loadCapture(name: string, url: string, files: GbfsFile[]): Capture {
  const dir = join(sharedData(), 'gbfs', name)
  if (!existsSync(dir)) {
    throw new Error(`${dir} is missing: the benchmark reads the real captures in ../shared/data`)
  }
  const read: Partial<Record<GbfsFile, string>> = {}
  for (const file of files) read[file] = readFileSync(join(dir, `${file}.json`), 'utf8')
  return { name, url, files: read }
}

interface StatusDocument {
  last_updated: number
  data: { stations: { station_id: string; last_reported: number }[] }
}

/** The capture's station_status with every last_reported moved on by `seconds`: all change. */
function statusVariant(text: string, seconds: number): string {
  const document = JSON.parse(text) as StatusDocument
  document.last_updated += seconds
  for (const station of document.data.stations) station.last_reported += seconds
  return JSON.stringify(document)
}

/**
 * Serves a capture from memory like a real server would: an ETag per body and a 304 for an
 * unchanged file, so station_information costs a conditional request, as it does in production.
 */
function memoryFetcher(capture: Capture, status: () => string): FetchFile {
  return (file, _url, validators) => {
    const text = file === 'station_status' ? status() : capture.files[file]
    if (text === undefined) return Promise.reject(new FeedError(file, 'HTTP 404 Not Found', 404))
    const etag = `"${createHash('sha1').update(text).digest('base64')}"`
    if (validators?.etag === etag) return Promise.resolve({ kind: 'not_modified', status: 304 })
    return Promise.resolve({
      kind: 'body',
      status: 200,
      text,
      validators: { etag, lastModified: null },
    })
  }
}

/** Earliest believable last_reported (GBFS's own minimum); earlier ones are sentinels (86400). */
const REAL_TIME = 1_450_155_600

/** The rows one poll writes to station_status, as COPY text (same table, its own timestamps). */
function copyRows(systemId: string, text: string, ts: Date): string {
  const document = JSON.parse(text) as {
    data: { stations: Record<string, number | string | boolean | undefined>[] }
  }
  // A sentinel moved on by a second is still a sentinel: that station does not change.
  const changing = document.data.stations.filter((s) => Number(s.last_reported) >= REAL_TIME)
  const value = (v: number | string | boolean | undefined) =>
    v === undefined ? '\\N' : typeof v === 'boolean' ? String(v) : String(v)
  const bool = (v: number | string | boolean | undefined) => String(v === 1 || v === true)
  return changing
    .map((s) =>
      [
        systemId,
        s.station_id,
        ts.toISOString(),
        new Date(Number(s.last_reported) * 1000).toISOString(),
        value(s.num_bikes_available),
        value(s.num_ebikes_available),
        value(s.num_docks_available),
        value(s.num_bikes_disabled),
        value(s.num_docks_disabled),
        bool(s.is_installed),
        bool(s.is_renting),
        bool(s.is_returning),
      ].join('\t'),
    )
    .join('\n')
    .concat('\n')
}

async function copy(client: pg.Client, rows: string): Promise<number> {
  const started = performance.now()
  await client.query('begin')
  const stream = client.query(
    copyFrom(
      `copy station_status (system_id, station_id, ts, last_reported, num_bikes_available,
         num_ebikes_available, num_docks_available, num_bikes_disabled, num_docks_disabled,
         is_installed, is_renting, is_returning) from stdin`,
    ),
  )
  await pipeline(Readable.from([rows]), stream)
  await client.query('commit')
  return performance.now() - started
}

interface Figures {
  capture: string
  stations: number
  read: number
  poll: number
  copy: number
}

function parseArgs(args: string[]): { polls: number } {
  const options = { polls: 20 }
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1])
    if (args[i] === '--polls' && Number.isInteger(value) && value > 0) options.polls = value
    else throw new Error(`unknown option ${args[i] ?? ''}; use --polls N`)
  }
  return options
}

export async function run(args: string[]): Promise<void> {
  const { polls } = parseArgs(args)
  const captures = [
    loadCapture('divvy-2.3-2025-01-29', 'http://bench.invalid/divvy/gbfs.json', [
      'gbfs',
      'system_information',
      'station_information',
      'station_status',
      'vehicle_types',
    ]),
    // The legacy Lyft feed has no gbfs.json: polled by its station_information URL.
    loadCapture(
      'baywheels-legacy-2023-07-19',
      'http://bench.invalid/baywheels/station_information.json',
      ['system_information', 'station_information', 'station_status'],
    ),
  ]
  const database = await benchDatabase('gbfs')
  const copier = new pg.Client({ connectionString: database.url })
  await copier.connect()
  const logger = silentLogger()
  const figures: Figures[] = []
  try {
    for (const capture of captures) {
      const original = capture.files.station_status ?? ''
      // Every poll sees every last_reported moved on, so every poll writes every station.
      const variants = Array.from({ length: polls + 2 }, (_, i) => statusVariant(original, i + 1))
      let current = variants[0] ?? ''
      const config: FeedConfig = { url: capture.url }
      const deps = {
        db: database.db,
        logger,
        polledBy: 'bench',
        fetchFile: memoryFetcher(capture, () => current),
      }
      const poll = await FeedPoll.open(config, deps)
      // Warm-up: the first poll inserts the stations; the second warms the code paths.
      for (const variant of variants.slice(0, 2)) {
        current = variant
        const result = await poll.poll(new AbortController().signal)
        if (result.outcome !== 'ok') throw new Error(`${capture.name}: ${result.error ?? ''}`)
      }
      const systemId = (await poll.poll(new AbortController().signal)).systemId ?? capture.name
      // Parse + validate + normalise alone, on a reader of its own (no database).
      const reader = new FeedReader(
        config,
        memoryFetcher(capture, () => current),
      )
      await reader.read(new AbortController().signal, new Date())
      const reads: number[] = []
      const pollTimes: number[] = []
      const copyTimes: number[] = []
      let written = 0
      for (let i = 0; i < polls; i += 1) {
        current = variants[i + 2] ?? ''
        let started = performance.now()
        await reader.read(new AbortController().signal, new Date())
        reads.push(performance.now() - started)
        started = performance.now()
        const result = await poll.poll(new AbortController().signal)
        pollTimes.push(performance.now() - started)
        if (result.outcome !== 'ok') throw new Error(`${capture.name}: ${result.error ?? ''}`)
        written = result.statuses.written
        // The same rows by plain COPY, interleaved so that the machine's noise hits both alike.
        const ts = new Date(Date.now() + 3_600_000 + i)
        copyTimes.push(await copy(copier, copyRows(systemId, current, ts)))
      }
      const all = (JSON.parse(original) as StatusDocument).data.stations
      const stations = all.filter((s) => s.last_reported >= REAL_TIME).length
      if (written !== stations) {
        throw new Error(`${capture.name}: a poll wrote ${written} rows, not ${stations}`)
      }
      figures.push({
        capture: capture.name,
        stations,
        read: median(reads),
        poll: median(pollTimes),
        copy: median(copyTimes),
      })
    }

    const refreshes: number[] = []
    for (let i = 0; i < polls; i += 1) {
      const started = performance.now()
      await refreshImbalanceScores(database.db)
      refreshes.push(performance.now() - started)
    }
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from imbalance_scores`.execute(database.db)

    process.stdout.write(
      `GBFS poll, median of ${polls} polls each with every last_reported changed (so every poll writes every station)\n` +
        'read = parse + validate against the official schema + normalise; poll = read + the write transaction\n' +
        '(stations unchanged: a 304; station_status + latest state + poll log + feed health + NOTIFY)\n\n',
    )
    printTable([
      ['capture', 'rows a poll', 'read', 'poll', 'plain COPY', 'poll / COPY', 'target'],
      ...figures.map((f) => [
        f.capture,
        String(f.stations),
        ms(f.read),
        ms(f.poll),
        ms(f.copy),
        `${(f.poll / f.copy).toFixed(2)}x`,
        f.poll <= 3 * f.copy ? '<= 3x: met' : '<= 3x: MISSED',
      ]),
    ])
    process.stdout.write(
      `\nimbalance_scores refresh (CONCURRENTLY, ${rows[0]?.count ?? 0} stations), on its own: median ${ms(median(refreshes))}\n`,
    )
  } finally {
    await copier.end()
    await database.dispose()
  }
}
