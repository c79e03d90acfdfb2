import type { MAP } from '../../shared/operations/map.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/map.ts, done: one tile, as bytes over HTTP or a data: URL anywhere. */
export const MAP_OPERATIONS: Implementations<(typeof MAP)[number]['name']> = {
  'map:tile': {
    run: async (key, { services, http }) => {
      const tile = await services.tiles.tile(key)
      if (!http) return undefined
      http.res
        .status(200)
        .type(tile.contentType)
        .setHeader('Cache-Control', `private, max-age=${tile.maxAgeSeconds}`)
        .setHeader('X-Tile-Source', tile.source)
      http.res.send(tile.bytes)
      return undefined
    },
  },
  'map:tileData': {
    run: async (key, { services }) => {
      const tile = await services.tiles.tile(key)
      return {
        content_type: tile.contentType,
        data_url: `data:${tile.contentType};base64,${tile.bytes.toString('base64')}`,
        source: tile.source,
      }
    },
  },
}
