import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { FIELDS, MISSING, type StatusHistory } from './history.js'

/**
 * `balancer feed-server`: a folder of GBFS files, or a recorded status history replayed in
 * accelerated time, served as a live feed on this machine, for demos, tests and for trying the
 * poller on a capture. Files are read afresh on every request, so a file swapped while it runs
 * is served from then on.
 */

/** One answer: the body and what conditional requests compare against. */
export interface ServedFile {
  body: string
  lastModified: Date
}

export interface FeedSource {
  /** The path segment the feed is served under (the folder's name): /<name>/gbfs.json. */
  readonly name: string
  /** The file for a feed name ("gbfs", "station_status", ...), or null for a 404. */
  file(feed: string, baseUrl: string): Promise<ServedFile | null>
  /** What is served, one line per feed, for the command's output. */
  describe(): Promise<string[]>
}

/** Every feed name of GBFS 1.0-3.1; files are matched to them by prefix. */
const FEED_NAMES = [
  'gbfs',
  'gbfs_versions',
  'manifest',
  'system_information',
  'vehicle_types',
  'station_information',
  'station_status',
  'free_bike_status',
  'vehicle_status',
  'vehicle_availability',
  'system_hours',
  'system_calendar',
  'system_regions',
  'system_pricing_plans',
  'system_alerts',
  'geofencing_zones',
]

/**
 * The feed a file holds: the longest feed name it starts with, followed by ".json" or "_"
 * ("station_status_2023-07-19T190700Z.json", "station_information_first.json",
 * "gbfs_versions.json"). Toronto's discovery URLs have no extension; the files here all do.
 */
export function feedNameOf(fileName: string): string | null {
  if (!fileName.endsWith('.json')) return null
  const stem = fileName.slice(0, -'.json'.length)
  const matches = FEED_NAMES.filter((name) => stem === name || stem.startsWith(`${name}_`))
  return matches.sort((a, b) => b.length - a.length)[0] ?? null
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-') || 'feed'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function feedUrl(baseUrl: string, feed: string): string {
  return `${baseUrl}${feed}.json`
}

/**
 * A folder of captured files. When several files hold the same feed (a series of polls), the
 * last by name is served: captures are named by time. A folder without gbfs.json gets one made
 * up (in memory: captures are data, never written to); a folder with one gets it with its URLs
 * pointed here, keeping only the feeds the folder has.
 */
export function directorySource(dir: string): FeedSource {
  const folder = resolve(dir)

  async function files(): Promise<Map<string, { chosen: string; of: number }>> {
    let names: string[]
    try {
      names = (await readdir(folder)).sort()
    } catch (error) {
      throw new Error(`cannot read the folder ${folder}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    const byFeed = new Map<string, { chosen: string; of: number }>()
    for (const name of names) {
      const feed = feedNameOf(name)
      if (!feed) continue
      const known = byFeed.get(feed)
      byFeed.set(feed, { chosen: name, of: (known?.of ?? 0) + 1 })
    }
    return byFeed
  }

  async function read(name: string): Promise<ServedFile> {
    const path = join(folder, name)
    const [body, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
    return { body, lastModified: info.mtime }
  }

  async function versionOf(name: string | undefined): Promise<string | null> {
    if (!name) return null
    try {
      const json: unknown = JSON.parse((await read(name)).body)
      return isRecord(json) && typeof json.version === 'string' ? json.version : null
    } catch {
      return null
    }
  }

  async function languageOf(name: string | undefined): Promise<string> {
    if (!name) return 'en'
    try {
      const json: unknown = JSON.parse((await read(name)).body)
      const data = isRecord(json) && isRecord(json.data) ? json.data : {}
      if (typeof data.language === 'string') return data.language
      if (Array.isArray(data.languages) && typeof data.languages[0] === 'string') {
        return data.languages[0]
      }
    } catch {
      // an unreadable system_information is the poller's to report
    }
    return 'en'
  }

  async function discovery(baseUrl: string): Promise<ServedFile> {
    const available = await files()
    const local = available.get('gbfs')
    const feeds = [...available.keys()].filter((feed) => feed !== 'gbfs')
    if (local) {
      const original = await read(local.chosen)
      let json: unknown
      try {
        json = JSON.parse(original.body)
      } catch {
        return original
      }
      if (!isRecord(json) || !isRecord(json.data)) return original
      const rewrite = (list: unknown): unknown =>
        Array.isArray(list)
          ? (list as unknown[])
              .filter(isRecord)
              .filter((entry) => typeof entry.name === 'string' && feeds.includes(entry.name))
              .map((entry) => ({ ...entry, url: feedUrl(baseUrl, String(entry.name)) }))
          : list
      const data: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(json.data)) {
        if (key === 'feeds') data[key] = rewrite(value)
        else data[key] = isRecord(value) ? { ...value, feeds: rewrite(value.feeds) } : value
      }
      return { body: JSON.stringify({ ...json, data }), lastModified: original.lastModified }
    }
    const version =
      (await versionOf(available.get('station_status')?.chosen)) ??
      (await versionOf(available.get('station_information')?.chosen))
    const list = feeds.map((name) => ({ name, url: feedUrl(baseUrl, name) }))
    // Dated by the newest file it lists, so that the same folder gives the same body (and ETag).
    const times = await Promise.all(
      [...available.values()].map(async ({ chosen }) => (await stat(join(folder, chosen))).mtime),
    )
    const newest = new Date(Math.max(0, ...times.map((time) => time.getTime())))
    const made = version?.startsWith('3')
      ? {
          last_updated: newest.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ttl: 60,
          version,
          data: { feeds: list },
        }
      : {
          last_updated: Math.floor(newest.getTime() / 1000),
          ttl: 60,
          ...(version ? { version } : {}),
          data: {
            [await languageOf(available.get('system_information')?.chosen)]: { feeds: list },
          },
        }
    return { body: JSON.stringify(made), lastModified: newest }
  }

  return {
    name: slug(basename(folder)),
    async file(feed, baseUrl) {
      if (feed === 'gbfs') return discovery(baseUrl)
      const entry = (await files()).get(feed)
      return entry ? read(entry.chosen) : null
    },
    async describe() {
      const available = await files()
      const lines = [...available.entries()].map(
        ([feed, { chosen, of }]) =>
          `${feed.padEnd(22)} ${chosen}${of > 1 ? ` (the last of ${of} by name)` : ''}`,
      )
      const discovery = available.has('gbfs')
        ? lines.findIndex((line) => line.startsWith('gbfs '))
        : -1
      if (discovery >= 0) lines[discovery] = `${lines[discovery] ?? ''} (URLs pointed here)`
      else lines.unshift(`${'gbfs'.padEnd(22)} (made up: the folder has none)`)
      if (!available.has('station_information') && !available.has('station_status')) {
        lines.push('warning: no station_information or station_status file in this folder')
      }
      return lines
    },
  }
}

export interface ReplayOptions {
  /** How many times faster than real time (60: a week in under three hours). */
  speed: number
  /** Where in the history to start (default: its first poll). */
  from?: Date
  /** station_information to serve beside it, as read from disk. */
  stationInformation?: { body: string; lastModified: Date } | null
  /** The folder name the feed is served under. */
  name: string
  /** Injectable clock, for tests. */
  now?: () => number
}

/**
 * A recorded status history served as a live feed, `speed` times faster than it happened. A
 * historical moment h is served at wall time start + (h - from) / speed, and every time in the
 * served files (last_updated, last_reported) is mapped the same way, so the poller sees a feed
 * that is live now; sentinels (86400) are served as they were. `ttl` is the time to the next
 * recorded poll. After the last one the feed stops moving and goes stale, as a real one would.
 */
export function replaySource(history: StatusHistory, options: ReplayOptions): FeedSource {
  const now = options.now ?? Date.now
  const startedAt = now()
  const first = history.snapshots[0]?.pollTime ?? 0
  const last = history.snapshots.at(-1)?.pollTime ?? first
  const from = Math.min(Math.max(options.from?.getTime() ?? first, first), last)
  const { speed } = options
  const wall = (historical: number) => startedAt + (historical - from) / speed
  const fields = FIELDS.length

  function current(): number {
    const historical = from + (now() - startedAt) * speed
    let low = 0
    let high = history.snapshots.length - 1
    while (low < high) {
      const middle = Math.ceil((low + high) / 2)
      if ((history.snapshots[middle]?.pollTime ?? Infinity) <= historical) low = middle
      else high = middle - 1
    }
    return low
  }

  function status(index: number): ServedFile {
    const snapshot = history.snapshots[index]
    if (!snapshot) throw new Error('no snapshot')
    const next = history.snapshots[index + 1]
    const stations: Record<string, unknown>[] = []
    const { values } = snapshot
    for (let offset = 0; offset < values.length; offset += fields) {
      const station: Record<string, unknown> = {
        station_id: history.stationIds[values[offset] ?? 0],
      }
      for (let field = 1; field < fields; field += 1) {
        const value = values[offset + field] ?? MISSING
        if (value === MISSING) continue
        const name = FIELDS[field] as string
        station[name] =
          name === 'last_reported' && value >= 1e9 ? Math.floor(wall(value * 1000) / 1000) : value
      }
      stations.push(station)
    }
    const served = wall(snapshot.pollTime)
    const ttl = next
      ? Math.max(1, Math.ceil((next.pollTime - snapshot.pollTime) / speed / 1000))
      : 60
    const body = JSON.stringify({
      data: { stations },
      last_updated: Math.floor(served / 1000),
      ttl,
    })
    return { body, lastModified: new Date(Math.floor(served / 1000) * 1000) }
  }

  return {
    name: slug(options.name),
    file(feed, baseUrl) {
      if (feed === 'gbfs') {
        const names = [
          'station_status',
          ...(options.stationInformation ? ['station_information'] : []),
        ]
        const body = JSON.stringify({
          last_updated: Math.floor(startedAt / 1000),
          ttl: 60,
          data: { en: { feeds: names.map((name) => ({ name, url: feedUrl(baseUrl, name) })) } },
        })
        return Promise.resolve({
          body,
          lastModified: new Date(Math.floor(startedAt / 1000) * 1000),
        })
      }
      if (feed === 'station_status') return Promise.resolve(status(current()))
      if (feed === 'station_information' && options.stationInformation) {
        return Promise.resolve(options.stationInformation)
      }
      return Promise.resolve(null)
    },
    describe() {
      const hours = (last - from) / 3_600_000 / speed
      return Promise.resolve([
        `station_status         ${history.snapshots.length} recorded polls of ${history.stationIds.length} stations, from ${new Date(from).toISOString()}, ${speed}x: ${hours.toFixed(1)} h to the end`,
        options.stationInformation
          ? 'station_information    served as recorded'
          : 'station_information    none (give --information FILE): statuses alone place no stations',
      ])
    },
  }
}

export interface FeedServer {
  /** The feed's gbfs.json URL. */
  url: string
  close(): Promise<void>
}

function etagOf(file: ServedFile): string {
  return `"${createHash('sha1').update(file.body).digest('base64url')}"`
}

/** Whether a conditional request's validators still match what we would send. */
function notModified(request: IncomingMessage, file: ServedFile, etag: string): boolean {
  const match = request.headers['if-none-match']
  if (match !== undefined) return match.split(',').some((tag) => tag.trim() === etag)
  const since = Date.parse(request.headers['if-modified-since'] ?? '')
  return !Number.isNaN(since) && Math.floor(file.lastModified.getTime() / 1000) * 1000 <= since
}

/** Serves a source on loopback (or `host`) until closed. */
export async function startFeedServer(
  source: FeedSource,
  options: { host?: string; port?: number } = {},
): Promise<FeedServer> {
  const host = options.host ?? '127.0.0.1'
  let base = ''
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const path = new URL(request.url ?? '/', 'http://feed').pathname
    const prefix = `/${source.name}/`
    const feed = path.startsWith(prefix) ? path.slice(prefix.length).replace(/\.json$/, '') : null
    const file = feed && !feed.includes('/') ? await source.file(feed, base) : null
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      response.end(`no feed at ${path}; the feed is ${base}gbfs.json\n`)
      return
    }
    const etag = etagOf(file)
    const headers = {
      etag,
      'last-modified': file.lastModified.toUTCString(),
      'cache-control': 'no-cache',
    }
    if (notModified(request, file, etag)) {
      response.writeHead(304, headers).end()
      return
    }
    response.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' })
    response.end(request.method === 'HEAD' ? undefined : file.body)
  }
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      response.end(`${(error as Error).message}\n`)
    })
  })
  server.keepAliveTimeout = 1_000
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolvePromise()
    })
  })
  const { port } = server.address() as AddressInfo
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}/${source.name}/`
  return {
    url: `${base}gbfs.json`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose())
        server.closeAllConnections()
      }),
  }
}
