import { FeedError } from './feed-error.js'
import type { GbfsDocument } from './parse.js'
import { isGbfsFile, type GbfsFile } from './types.js'

/** A feed as configured: a gbfs.json URL, or a direct station_information/station_status URL. */
export interface FeedConfig {
  url: string
  /**
   * Stations are stored under this system. Without it: the feed's system_information.system_id,
   * else a name made from the URL (see systemIdFromUrl).
   */
  systemId?: string | null
}

/** The Bay Wheels feed (MobilityData's catalog, `lyft_bay`): what a depot gets with no settings. */
export const DEFAULT_FEED_URL = 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json'

export type DataFile = Exclude<GbfsFile, 'gbfs'>
export type FeedUrls = Partial<Record<DataFile, string>>

export interface Discovery {
  urls: FeedUrls
  /** The discovery file's version; null for 1.0 and legacy feeds. */
  version: string | null
  /** The language whose feed list was taken (1.x/2.x); null for 3.0, which has one list. */
  language: string | null
}

function lastSegment(url: URL): string {
  const segments = url.pathname.split('/').filter(Boolean)
  return (segments.at(-1) ?? '').replace(/\.json$/i, '')
}

/**
 * How a feed URL is read: `gbfs` (auto-discovery) unless it names a data file directly, in
 * which case the other files are its siblings (`.../en/station_status.json` ->
 * `.../en/station_information.json`), for the older feeds that publish no gbfs.json.
 */
export function feedKind(url: string): 'gbfs' | 'direct' {
  const name = lastSegment(new URL(url))
  return isGbfsFile(name) && name !== 'gbfs' ? 'direct' : 'gbfs'
}

export function siblingUrls(url: string): FeedUrls {
  const parsed = new URL(url)
  const segments = parsed.pathname.split('/')
  const last = segments.at(-1) ?? ''
  const extension = /\.json$/i.exec(last)?.[0] ?? ''
  const urls: FeedUrls = {}
  for (const file of [
    'system_information',
    'station_information',
    'station_status',
    'vehicle_types',
    'system_regions',
  ] as const) {
    const sibling = new URL(parsed)
    sibling.pathname = [...segments.slice(0, -1), `${file}${extension}`].join('/')
    urls[file] = sibling.toString()
  }
  return urls
}

function feedList(value: unknown): FeedUrls | null {
  if (typeof value !== 'object' || value === null) return null
  const feeds = (value as { feeds?: unknown }).feeds
  if (!Array.isArray(feeds)) return null
  const urls: FeedUrls = {}
  for (const feed of feeds) {
    if (typeof feed !== 'object' || feed === null) continue
    const { name, url } = feed as { name?: unknown; url?: unknown }
    if (typeof name !== 'string' || typeof url !== 'string') continue
    if (isGbfsFile(name) && name !== 'gbfs' && !(name in urls)) urls[name] = url
  }
  return urls
}

/**
 * Reads gbfs.json: 3.0 lists its feeds once (`data.feeds`); 1.x and 2.x once per language
 * (`data.en.feeds`, `data.fr.feeds`; Lyft's lists are identical). The preferred language's list
 * is taken, else English, else the first. Relative URLs are resolved against gbfs.json's own.
 */
export function parseDiscovery(
  document: GbfsDocument,
  discoveryUrl: string,
  preferredLanguage: string | null = null,
): Discovery {
  const version = typeof document.version === 'string' ? document.version : null
  const resolve = (urls: FeedUrls): FeedUrls =>
    Object.fromEntries(
      Object.entries(urls).map(([name, url]) => [name, new URL(url, discoveryUrl).toString()]),
    )
  const direct = feedList(document.data)
  if (direct) return { urls: resolve(direct), version, language: null }
  const languages = Object.keys(document.data)
  const language =
    [preferredLanguage, 'en'].find((l) => l !== null && languages.includes(l)) ?? languages[0]
  const urls = language === undefined ? null : feedList(document.data[language])
  if (!urls || language === undefined) {
    throw new FeedError('gbfs', 'not a GBFS discovery file: it lists no feeds')
  }
  return { urls: resolve(urls), version, language }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/**
 * A system id for a feed that publishes no system_information: its host and path, without the
 * file name ("gbfs.citibikenyc.com-gbfs-en"). A loopback host is left out (a feed-server's port
 * changes from run to run; its path names the folder it serves).
 */
export function systemIdFromUrl(url: string): string {
  const parsed = new URL(url)
  const directories = parsed.pathname.split('/').filter(Boolean).slice(0, -1)
  const parts = LOOPBACK.has(parsed.hostname) ? directories : [parsed.hostname, ...directories]
  const id = parts
    .join('-')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return id || parsed.hostname || 'gbfs'
}
