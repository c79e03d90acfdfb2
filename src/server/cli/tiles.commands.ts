import { InvalidArgumentError, type Command } from 'commander'
import { loadSettings } from '../config/settings.js'
import { describeError } from '../errors.js'
import {
  createTilesService,
  DEFAULT_TILE_CACHE_MB,
  DEFAULT_TILE_URL,
} from '../tiles/tiles.service.js'
import { tilesInBox, type BoundingBox } from '../tiles/tile-math.js'
import type { CommandHelpers } from './trips.commands.js'
import type { DatabaseFlags } from './command-database.js'

export const TILE_URL_HELP =
  'map tile server, a URL template with {z}, {x} and {y} (env BALANCER_TILE_URL; default OpenStreetMap)'

/** Never more tiles than this in one prefetch: an area for a depot, not a copy of the map. */
export const MAX_PREFETCH_TILES = 5_000
/** The public OpenStreetMap servers are asked at most this often (tiles a second). */
export const OSM_MAX_RATE = 2

function parseBox(value: string): BoundingBox {
  const parts = value.split(',').map((part) => Number(part.trim()))
  const [west, south, east, north] = parts
  if (
    parts.length !== 4 ||
    west === undefined ||
    south === undefined ||
    east === undefined ||
    north === undefined ||
    parts.some((part) => !Number.isFinite(part))
  ) {
    throw new InvalidArgumentError('must be four numbers: west,south,east,north (degrees)')
  }
  if (west >= east || south >= north) {
    throw new InvalidArgumentError('west must be less than east, and south less than north')
  }
  if (west < -180 || east > 180 || south < -85.05 || north > 85.05) {
    throw new InvalidArgumentError('longitudes must be -180 to 180, latitudes -85.05 to 85.05')
  }
  return { west, south, east, north }
}

function parseZooms(value: string): [number, number] {
  const match = /^(\d{1,2})(?:-(\d{1,2}))?$/.exec(value.trim())
  const from = Number(match?.[1])
  const to = Number(match?.[2] ?? match?.[1])
  if (!match || from > to || to > 19) {
    throw new InvalidArgumentError('must be a zoom or a range of zooms, e.g. 12-16 (at most 19)')
  }
  return [from, to]
}

function parseRate(value: string): number {
  const rate = Number(value)
  if (!Number.isFinite(rate) || rate <= 0 || rate > 50) {
    throw new InvalidArgumentError('must be a number of tiles a second, above 0 and at most 50')
  }
  return rate
}

interface PrefetchFlags extends DatabaseFlags {
  bbox: BoundingBox
  zoom: [number, number]
  rate?: number
  tileUrl?: string
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/** `tiles prefetch`: an area's tiles into the disk cache while online, politely. */
export function addTileCommands(program: Command, helpers: CommandHelpers): void {
  const tiles = program.command('tiles').description("the map's tiles, kept in the data directory")
  tiles
    .command('prefetch')
    .description(
      `fetch an area's map tiles into the cache (at most ${MAX_PREFETCH_TILES.toLocaleString('en-US')}), so the map shows its streets offline`,
    )
    .requiredOption('--bbox <w,s,e,n>', 'the area: west,south,east,north in degrees', parseBox)
    .requiredOption('--zoom <a-b>', 'the zooms, e.g. 12-16', parseZooms)
    .option(
      '--rate <n>',
      `tiles a second asked of the tile server (default and most for OpenStreetMap: ${OSM_MAX_RATE})`,
      parseRate,
    )
    .option('--tile-url <template>', TILE_URL_HELP)
    .option('--data-dir <dir>', 'where the cache is (env BALANCER_DATA_DIR)')
    .action(async (flags: PrefetchFlags) => {
      const settings = await loadSettings({
        ...helpers.overrides(flags),
        tiles: flags.tileUrl ? { url: flags.tileUrl, cacheMB: DEFAULT_TILE_CACHE_MB } : undefined,
      })
      const tileSettings = settings.tiles ?? {
        url: DEFAULT_TILE_URL,
        cacheMB: DEFAULT_TILE_CACHE_MB,
      }
      const osm = new URL(tileSettings.url.replace(/\{[xyz]\}/g, '0')).host.endsWith(
        'openstreetmap.org',
      )
      const rate = Math.min(flags.rate ?? OSM_MAX_RATE, osm ? OSM_MAX_RATE : Infinity)
      const wanted = tilesInBox(flags.bbox, flags.zoom[0], flags.zoom[1], MAX_PREFETCH_TILES + 1)
      if (wanted.length > MAX_PREFETCH_TILES) {
        throw new Error(
          `that is more than ${MAX_PREFETCH_TILES.toLocaleString('en-US')} tiles: narrow --bbox or --zoom (the tile usage policy forbids bulk downloads)`,
        )
      }
      const service = createTilesService({ settings: tileSettings, dataDir: settings.dataDir })
      const counts = { cache: 0, upstream: 0, stale: 0, failed: 0 }
      process.stderr.write(
        `Prefetching ${wanted.length.toLocaleString('en-US')} tiles from ${tileSettings.url} at most ${rate} a second\n`,
      )
      for (const key of wanted) {
        const started = Date.now()
        try {
          const tile = await service.tile(key)
          counts[tile.source] += 1
          // Only a request to the tile server waits its turn; a fresh cached tile asks nothing.
          if (tile.source === 'cache') continue
        } catch (error) {
          counts.failed += 1
          process.stderr.write(`${describeError(error)}\n`)
          if (counts.failed >= 5 && counts.upstream === 0) {
            throw new Error('the tile server is not answering: stopped after 5 failures', {
              cause: error,
            })
          }
        }
        await sleep(Math.max(0, 1000 / rate - (Date.now() - started)))
      }
      const usage = await service.usage()
      process.stdout.write(
        `${counts.upstream} fetched, ${counts.cache} already cached, ${counts.stale + counts.failed} failed; cache ${(usage.bytes / 1048576).toFixed(1)} MB of ${(usage.maxBytes / 1048576).toFixed(0)} MB (${usage.tiles} tiles)\n`,
      )
      if (counts.stale + counts.failed > 0) process.exitCode = 1
    })
}
