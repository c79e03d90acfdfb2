import { join } from 'node:path'
import { APP_NAME, APP_VERSION } from '../../shared/version.js'
import { describeError, ServiceError } from '../errors.js'
import { createTileCache, type TileCache, type TileKey, type TileMeta } from './tile-cache.js'

/** Where tiles come from and how much of them the data directory keeps. */
export interface TileSettings {
  /** A template with {z}, {x} and {y}: OpenStreetMap's public servers unless the depot says. */
  url: string
  /** The disk cache's bound, in megabytes. */
  cacheMB: number
}

export const DEFAULT_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'
export const DEFAULT_TILE_CACHE_MB = 500
/** OpenStreetMap's standard layer goes to 19; a depot's own server may go further. */
export const MAX_TILE_ZOOM = 20

/**
 * The tile usage policy asks for a User-Agent that names the application and a way to reach it:
 * the HTTP library's default is refused (https://operations.osmfoundation.org/policies/tiles/).
 */
export const TILE_USER_AGENT = `${APP_NAME.replaceAll(' ', '')}/${APP_VERSION} (bike-share depot dispatch console; tiles cached on disk)`

/** A tile as served: from the disk cache, freshly from the upstream, or old when it is away. */
export interface ServedTile {
  bytes: Buffer
  contentType: string
  source: 'cache' | 'upstream' | 'stale'
  /** How long the caller may keep it (what the upstream allowed, less its age here). */
  maxAgeSeconds: number
}

export interface TilesService {
  readonly url: string
  tile(key: TileKey): Promise<ServedTile>
  /** The disk cache's use against its bound. */
  usage(): Promise<{ bytes: number; tiles: number; maxBytes: number }>
}

export interface TilesDeps {
  settings: TileSettings
  /** Tiles are kept under `<dataDir>/tiles`. */
  dataDir: string
  fetch?: typeof fetch
  now?: () => number
  /** A tile not answered within this long counts as the upstream being away. */
  timeoutMs?: number
}

/** The key checked against the slippy-map scheme: a field named when it is out of range. */
export function checkTileKey({ z, x, y }: TileKey): void {
  const bad = (field: string, what: string) => {
    throw new ServiceError('invalid', 'invalid_tile', `${field}: ${what}`)
  }
  if (!Number.isInteger(z) || z < 0 || z > MAX_TILE_ZOOM) bad('z', `must be 0 to ${MAX_TILE_ZOOM}`)
  const side = 2 ** z
  if (!Number.isInteger(x) || x < 0 || x >= side) bad('x', `must be 0 to ${side - 1} at zoom ${z}`)
  if (!Number.isInteger(y) || y < 0 || y >= side) bad('y', `must be 0 to ${side - 1} at zoom ${z}`)
}

/** The upstream's URL of a tile. */
export function tileUrl(template: string, { z, x, y }: TileKey): string {
  return template
    .replaceAll('{z}', String(z))
    .replaceAll('{x}', String(x))
    .replaceAll('{y}', String(y))
}

/** Until when a tile is fresh: `Cache-Control: max-age` first, then `Expires`; else not at all. */
export function freshUntil(headers: Headers, now: number): number {
  const control = headers.get('cache-control') ?? ''
  if (/\b(no-cache|no-store)\b/i.test(control)) return now
  const maxAge = /\bmax-age=(\d+)/i.exec(control)
  if (maxAge?.[1]) {
    const age = Number(headers.get('age') ?? 0)
    return now + Math.max(0, Number(maxAge[1]) - (Number.isFinite(age) ? age : 0)) * 1000
  }
  const expires = Date.parse(headers.get('expires') ?? '')
  return Number.isFinite(expires) ? Math.max(now, expires) : now
}

export function createTilesService({
  settings,
  dataDir,
  fetch: get = fetch,
  now = Date.now,
  timeoutMs = 10_000,
}: TilesDeps): TilesService {
  const maxBytes = settings.cacheMB * 1024 * 1024
  const cache: TileCache = createTileCache({ dir: join(dataDir, 'tiles'), maxBytes })
  const host = URL.canParse(tileUrl(settings.url, { z: 0, x: 0, y: 0 }))
    ? new URL(tileUrl(settings.url, { z: 0, x: 0, y: 0 })).host
    : settings.url
  /** One upstream request per tile at a time: a map asking twice waits for the first. */
  const inFlight = new Map<string, Promise<ServedTile>>()

  const served = (bytes: Buffer, meta: TileMeta, source: ServedTile['source']): ServedTile => ({
    bytes,
    contentType: meta.contentType,
    source,
    maxAgeSeconds: Math.max(0, Math.floor((meta.freshUntil - now()) / 1000)),
  })

  async function fetchTile(key: TileKey): Promise<ServedTile> {
    const cached = await cache.get(key)
    if (cached && cached.meta.freshUntil > now()) return served(cached.bytes, cached.meta, 'cache')
    const name = `tile ${key.z}/${key.x}/${key.y}`
    const headers: Record<string, string> = { 'user-agent': TILE_USER_AGENT }
    if (cached?.meta.etag) headers['if-none-match'] = cached.meta.etag
    if (cached?.meta.lastModified) headers['if-modified-since'] = cached.meta.lastModified
    let response: Response
    try {
      response = await get(tileUrl(settings.url, key), {
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      // Offline (a depot without internet): what was seen once is shown again.
      if (cached) return served(cached.bytes, cached.meta, 'stale')
      const cause = error instanceof Error && error.cause ? describeError(error.cause) : ''
      throw new ServiceError(
        'upstream',
        'tile_upstream_unreachable',
        `${name}: the tile server ${host} could not be reached (${cause || describeError(error)}) and the tile is not in the cache`,
      )
    }
    const at = now()
    if (response.status === 304 && cached) {
      const meta = { ...cached.meta, freshUntil: freshUntil(response.headers, at), storedAt: at }
      await cache.refresh(key, meta)
      return served(cached.bytes, meta, 'upstream')
    }
    const contentType = response.headers.get('content-type') ?? ''
    if (!response.ok || !contentType.startsWith('image/')) {
      await response.body?.cancel()
      if (cached) return served(cached.bytes, cached.meta, 'stale')
      throw new ServiceError(
        'upstream',
        'tile_upstream_error',
        response.ok
          ? `${name}: the tile server ${host} answered ${contentType || 'no content type'}, not an image`
          : `${name}: the tile server ${host} answered ${response.status} ${response.statusText}`.trim(),
      )
    }
    const bytes = Buffer.from(await response.arrayBuffer())
    const meta: TileMeta = {
      contentType,
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
      freshUntil: freshUntil(response.headers, at),
      storedAt: at,
    }
    await cache.put(key, bytes, meta)
    return served(bytes, meta, 'upstream')
  }

  return {
    url: settings.url,
    async tile(key) {
      checkTileKey(key)
      const id = `${key.z}/${key.x}/${key.y}`
      const running = inFlight.get(id)
      if (running) return running
      const work = fetchTile(key).finally(() => inFlight.delete(id))
      inFlight.set(id, work)
      return work
    },
    async usage() {
      return { ...(await cache.usage()), maxBytes }
    },
  }
}
