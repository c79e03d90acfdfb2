/** Distances between stations, and nearest neighbours in memory (the simulation's stations). */

const EARTH_RADIUS_KM = 6371.0088

export interface Point {
  lat: number
  lon: number
}

/** Great-circle distance in kilometres. */
export function distanceKm(a: Point, b: Point): number {
  const toRad = Math.PI / 180
  const dLat = (b.lat - a.lat) * toRad
  const dLon = (b.lon - a.lon) * toRad
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/**
 * For every point, the others within `limitKm`, nearest first: a grid of cells `limitKm` wide,
 * so each point looks at its 9 cells only (2,000 stations: a few milliseconds).
 */
export function neighboursWithin(points: readonly Point[], limitKm: number): number[][] {
  const kmPerLat = 111.2
  const meanLat = points.reduce((sum, p) => sum + p.lat, 0) / Math.max(1, points.length)
  const kmPerLon = Math.max(1e-6, kmPerLat * Math.cos((meanLat * Math.PI) / 180))
  const cellOf = (p: Point) =>
    [Math.floor((p.lat * kmPerLat) / limitKm), Math.floor((p.lon * kmPerLon) / limitKm)] as const
  const grid = new Map<string, number[]>()
  points.forEach((point, index) => {
    const key = cellOf(point).join(':')
    const list = grid.get(key)
    if (list) list.push(index)
    else grid.set(key, [index])
  })
  return points.map((point, index) => {
    const [row, column] = cellOf(point)
    const found: { index: number; km: number }[] = []
    for (let dr = -1; dr <= 1; dr += 1) {
      for (let dc = -1; dc <= 1; dc += 1) {
        for (const other of grid.get(`${row + dr}:${column + dc}`) ?? []) {
          if (other === index) continue
          const km = distanceKm(point, points[other] as Point)
          if (km <= limitKm) found.push({ index: other, km })
        }
      }
    }
    return found.sort((a, b) => a.km - b.km || a.index - b.index).map((entry) => entry.index)
  })
}
