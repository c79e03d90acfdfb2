import { z } from 'zod'
import { operation } from './operation.js'
import { READERS } from './roles.js'

/** The station map's street tiles, fetched by the server and kept on its disk (offline depots). */

const tileNumber = (what: string) =>
  z
    .string()
    .regex(/^\d{1,7}$/, `must be a whole number (${what})`)
    .transform(Number)
const tileParams = z
  .object({ z: tileNumber('zoom'), x: tileNumber('column'), y: tileNumber('row') })
  .strict()

const tileInput = z
  .object({
    z: z.int().min(0, 'must be 0 or more'),
    x: z.int().min(0, 'must be 0 or more'),
    y: z.int().min(0, 'must be 0 or more'),
  })
  .strict()

const TILE_DESCRIPTION =
  'From the disk cache while the tile server’s caching headers allow, else from the configured tile server (a conditional request when cached); when that fails, the cached tile however old, else a 502 naming the tile server and why.'

export const mapTile = operation({
  name: 'map:tile',
  summary: 'A map tile (z/x/y), as its image bytes',
  description: TILE_DESCRIPTION,
  roles: READERS,
  input: tileInput,
  output: null,
  route: {
    method: 'get',
    path: '/tiles/{z}/{x}/{y}.png',
    tag: 'map',
    params: tileParams,
    responseDescription: 'image/png (or the tile server’s image type)',
    errors: [502],
  },
  // Bytes, not JSON: IPC carries JSON only; the console asks for map:tileData on both edges.
  desktop: false,
  example: { z: 12, x: 655, y: 1583 },
})

export const tileDataSchema = z
  .object({
    content_type: z.string(),
    data_url: z.string(),
    source: z.enum(['cache', 'upstream', 'stale']).meta({
      description: 'stale: the tile server could not be reached, the cached tile is older',
    }),
  })
  .strict()
export type TileData = z.infer<typeof tileDataSchema>

export const mapTileData = operation({
  name: 'map:tileData',
  summary: 'A map tile as a data: URL (the console: IPC, and <img> without a token)',
  description: TILE_DESCRIPTION,
  roles: READERS,
  input: tileInput,
  output: tileDataSchema,
  route: {
    method: 'get',
    path: '/tiles/{z}/{x}/{y}.json',
    tag: 'map',
    params: tileParams,
    errors: [502],
  },
  example: { z: 12, x: 655, y: 1583 },
})

export const MAP = [mapTile, mapTileData] as const
