import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import type { FeedHealth } from '../../shared/feeds.js'
import type { Settings } from '../config/settings.js'
import { openDatabase } from '../db/connect.js'
import type { FeedConfig } from '../gbfs/discovery.js'
import {
  directorySource,
  replaySource,
  startFeedServer,
  type FeedServer,
  type FeedSource,
} from '../gbfs/feed-server.js'
import { refreshImbalanceScores } from '../gbfs/gbfs.repository.js'
import { createFeedService, formatAge } from '../gbfs/gbfs.service.js'
import { loadHistory } from '../gbfs/history.js'
import { changedScores, FeedPoll, type PollResult } from '../gbfs/poller.js'
import { defaultIdentity, JOBS_LOCK } from '../jobs/leader.js'
import type { Logger } from '../logger.js'
import { onShutdown } from './shutdown.js'

export function parseSpeed(value: string): number {
  const speed = Number(value)
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1_000_000) {
    throw new InvalidArgumentError('must be a number above 0, e.g. 60 for a minute per second')
  }
  return speed
}

export function parseTime(value: string): Date {
  const time = Date.parse(value)
  if (Number.isNaN(time))
    throw new InvalidArgumentError('must be a time, e.g. 2023-07-12T15:00:00Z')
  return new Date(time)
}

export function parseFeedUrl(value: string, previous: string[] = []): string[] {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
    throw new InvalidArgumentError(
      'must be an http:// or https:// URL of a gbfs.json or station_information.json',
    )
  }
  return [...previous, value]
}

/**
 * What `serve --demo` replays: the file given, else the week of Bay Wheels status beside the
 * checkout (`../shared/data`, or BALANCER_SHARED_DATA).
 */
export function demoHistory(given: string | boolean, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof given === 'string') return given
  const shared = env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data')
  const path = resolve(shared, 'status-history', 'baywheels-2023-07-10_16', 'station_status.csv.gz')
  if (!existsSync(path)) {
    throw new Error(
      `--demo replays a recorded status history, and ${path} is not there: give one, --demo FILE.csv.gz`,
    )
  }
  return path
}

/** station_information to serve with a history: the one given, else one beside the history. */
async function informationFor(
  history: string,
  given: string | undefined,
): Promise<{ body: string; lastModified: Date } | null> {
  const candidates = given
    ? [given]
    : ['station_information_first.json', 'station_information.json'].map((name) =>
        join(dirname(history), name),
      )
  for (const path of candidates) {
    if (!given && !existsSync(path)) continue
    try {
      const [body, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
      return { body, lastModified: info.mtime }
    } catch (error) {
      throw new Error(`cannot read --information ${path}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }
  return null
}

export interface ReplayArgs {
  history: string
  information?: string
  speed: number
  from?: Date
}

/** A recorded status history as a live feed on loopback (`feed-server --history`, `--demo`). */
export async function startReplayFeed(
  args: ReplayArgs,
  options: { host?: string; port?: number } = {},
): Promise<{ server: FeedServer; source: FeedSource }> {
  const history = await loadHistory(args.history)
  const source = replaySource(history, {
    speed: args.speed,
    from: args.from,
    stationInformation: await informationFor(args.history, args.information),
    name: basename(dirname(resolve(args.history))),
  })
  return { server: await startFeedServer(source, options), source }
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

/** What `poll-once` prints for people: one block per feed. */
export function describePoll(result: PollResult, health: FeedHealth | undefined): string {
  const lines = [`Polled ${result.url}`]
  if (result.outcome === 'error') {
    lines.push(`  error      ${result.error ?? 'unknown'}`, '  nothing was written')
    return lines.join('\n')
  }
  const version = result.version ? `GBFS ${result.version}` : 'GBFS 1.0 (no version field)'
  const name =
    health?.systemName && health.systemName !== result.systemId ? ` (${health.systemName})` : ''
  const zone = health?.timezone ? `, ${health.timezone}` : ''
  lines.push(`  system     ${result.systemId ?? '?'}${name}, ${version}${zone}`)
  const { added, updated, reactivated, inactivated } = result.stations
  lines.push(
    result.stationsListed === null
      ? '  stations   station_information unchanged or not published'
      : `  stations   ${result.stationsListed} listed: ${added} added, ${updated} updated, ${reactivated} back, ${inactivated} inactivated`,
  )
  lines.push(
    result.statusesSeen === null
      ? '  status     no station_status in this feed'
      : `  status     ${result.statusesSeen} received: ${plural(result.statuses.written, 'row')} written (stations that changed), ${result.unknownStations} for unknown stations not written`,
  )
  if (result.outcome === 'not_modified')
    lines.push('  (the feed had not changed since the last poll)')
  if (result.lastUpdated) {
    const age = health?.dataAgeSeconds ?? null
    const state = health?.stale ? `stale: ${health.staleDetail ?? ''}` : 'live'
    lines.push(
      `  data       last updated ${result.lastUpdated.toISOString()}${age === null ? '' : ` (${formatAge(age)} ago)`}: ${state}`,
    )
  }
  if (health && health.stationsStale > 0) {
    lines.push(`             ${plural(health.stationsStale, 'station')} not live`)
  }
  if (result.warnings.length > 0) {
    const total = result.warnings.reduce((sum, warning) => sum + warning.count, 0)
    lines.push(`  warnings   ${total} in ${plural(result.warnings.length, 'kind')}:`)
    for (const warning of result.warnings) {
      lines.push(`             ${warning.file}: ${warning.count} x ${warning.message}`)
    }
  }
  return lines.join('\n')
}

/** `balancer poll-once`: fetch, validate, write, refresh the scores, print what happened. */
export async function pollOnce(
  settings: Settings,
  logger: Logger,
  options: { json: boolean },
): Promise<PollResult[]> {
  const feeds: FeedConfig[] = settings.feeds ?? []
  const database = await openDatabase(settings, logger, { poolSize: 4 })
  try {
    const results: PollResult[] = []
    const polledBy = `${defaultIdentity()} (poll-once)`
    for (const feed of feeds) {
      const poll = await FeedPoll.open(feed, { db: database.db, logger, polledBy })
      results.push(await poll.poll(new AbortController().signal))
    }
    if (results.some(changedScores)) await refreshImbalanceScores(database.db)
    const service = createFeedService({
      db: database.db,
      feedUrls: () => feeds.map((feed) => feed.url),
      lockName: JOBS_LOCK,
      isLeader: () => false,
    })
    const { feeds: health } = await service.health()
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ polls: results, health }, null, 2)}\n`)
    } else {
      process.stdout.write(
        `${results
          .map((result) =>
            describePoll(
              result,
              health.find((h) => h.feedId === result.feedId),
            ),
          )
          .join('\n\n')}\n`,
      )
    }
    return results
  } finally {
    await database.close()
  }
}

interface FeedServerFlags {
  dir?: string
  history?: string
  information?: string
  speed: number
  from?: Date
  host: string
  port?: number
}

export function feedServerCommand(
  program: Command,
  parsePort: (value: string) => number,
  logger: Logger,
): void {
  program
    .command('feed-server')
    .description(
      'serve a folder of GBFS files, or replay a recorded status history, as a live feed on this machine',
    )
    .option('--dir <dir>', 'a folder of captured GBFS files (gbfs.json is made up if missing)')
    .option('--history <file>', 'a station_status history (.csv or .csv.gz) to replay')
    .option('--information <file>', 'station_information.json to serve with --history')
    .option('--speed <n>', 'replay this many times faster than real time', parseSpeed, 1)
    .option('--from <time>', 'start the replay at this recorded time', parseTime)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (default: any free port)', parsePort)
    .action(async (flags: FeedServerFlags) => {
      if (Boolean(flags.dir) === Boolean(flags.history)) {
        throw new Error('give either --dir DIR or --history FILE.csv.gz')
      }
      let server: FeedServer
      let source: FeedSource
      if (flags.dir) {
        const folder = resolve(flags.dir)
        if (!existsSync(folder)) throw new Error(`--dir ${folder} does not exist`)
        source = directorySource(folder)
        server = await startFeedServer(source, { host: flags.host, port: flags.port })
      } else {
        ;({ server, source } = await startReplayFeed(
          {
            history: flags.history ?? '',
            information: flags.information,
            speed: flags.speed,
            from: flags.from,
          },
          { host: flags.host, port: flags.port },
        ))
      }
      process.stdout.write(`Feed at ${server.url}\n`)
      for (const line of await source.describe()) process.stdout.write(`  ${line}\n`)
      await new Promise<void>((resolveDone) => {
        onShutdown(logger, async () => {
          await server.close()
          resolveDone()
        })
      })
    })
}
