import type { TileKey } from './tile-cache.js'

/** An area in degrees. */
export interface BoundingBox {
  west: number
  south: number
  east: number
  north: number
}

/** The tile column and row holding a point at a zoom (Web Mercator, as every slippy map). */
export function tileOf(lon: number, lat: number, z: number): { x: number; y: number } {
  const side = 2 ** z
  const rad = (lat * Math.PI) / 180
  const x = Math.floor(((lon + 180) / 360) * side)
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * side)
  const clamp = (n: number) => Math.min(side - 1, Math.max(0, n))
  return { x: clamp(x), y: clamp(y) }
}

/** The tiles covering `box` at zooms `from` to `to`, coarse first; counting stops past `limit`. */
export function tilesInBox(box: BoundingBox, from: number, to: number, limit: number): TileKey[] {
  const tiles: TileKey[] = []
  for (let z = from; z <= to; z++) {
    const corner = tileOf(box.west, box.north, z)
    const opposite = tileOf(box.east, box.south, z)
    for (let x = corner.x; x <= opposite.x; x++) {
      for (let y = corner.y; y <= opposite.y; y++) {
        tiles.push({ z, x, y })
        if (tiles.length >= limit) return tiles
      }
    }
  }
  return tiles
}
