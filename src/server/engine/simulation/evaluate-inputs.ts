import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { ServiceError } from '../../errors.js'
import { SLOTS_PER_DAY } from '../demand.js'
import type { Fit } from '../fit.js'
import { distanceKm } from '../geo.js'
import type { StationStateRow } from '../station-state.repository.js'
import type { SimStation } from './simulator.js'

/**
 * What an evaluation starts from (the stations, their status from the history or a GBFS
 * station_status.json, the vans' depot) and the statistics its figures are told in.
 */

const statusFileSchema = z.object({
  data: z.object({
    stations: z.array(
      z
        .object({
          station_id: z.union([z.string(), z.number()]).transform(String),
          num_bikes_available: z.number().optional(),
          num_vehicles_available: z.number().optional(),
          num_docks_available: z.number().optional(),
          num_bikes_disabled: z.number().optional(),
          num_docks_disabled: z.number().optional(),
          is_installed: z.union([z.boolean(), z.number()]).optional(),
          is_renting: z.union([z.boolean(), z.number()]).optional(),
          is_returning: z.union([z.boolean(), z.number()]).optional(),
        })
        .loose(),
    ),
  }),
})

export async function readStatusFile(path: string): Promise<Map<string, Partial<StationStateRow>>> {
  let parsed: z.infer<typeof statusFileSchema>
  try {
    parsed = statusFileSchema.parse(JSON.parse(await readFile(path, 'utf8')))
  } catch (error) {
    throw new ServiceError(
      'invalid',
      'invalid_request',
      `--start-status: ${path} is not a GBFS station_status.json (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    )
  }
  const flag = (value: boolean | number | undefined) =>
    value === undefined ? true : Boolean(value)
  return new Map(
    parsed.data.stations.map((row) => [
      row.station_id,
      {
        num_bikes_available: row.num_bikes_available ?? row.num_vehicles_available ?? null,
        num_docks_available: row.num_docks_available ?? null,
        is_installed: flag(row.is_installed),
        is_renting: flag(row.is_renting),
        is_returning: flag(row.is_returning),
      },
    ]),
  )
}

/** The simulation's stations: capacity = bikes + free docks when a status says so. */
export function simStations(
  rows: readonly StationStateRow[],
  override: Map<string, Partial<StationStateRow>> | null,
): { stations: SimStation[]; fromStatus: number } {
  let fromStatus = 0
  const stations: SimStation[] = []
  for (const row of rows) {
    const status = override ? override.get(row.station_id) : row
    const bikes = status?.num_bikes_available ?? null
    const docks = status?.num_docks_available ?? null
    let capacity: number
    let start: number
    let known = false
    if (bikes !== null && docks !== null) {
      capacity = bikes + docks
      start = bikes
      known = true
    } else if (row.capacity) {
      capacity = row.capacity
      start = Math.floor(row.capacity / 2)
    } else continue
    if (capacity <= 0) continue
    if (known) fromStatus += 1
    const installed = status?.is_installed ?? true
    stations.push({
      id: row.station_id,
      name: row.name,
      lat: row.lat,
      lon: row.lon,
      capacity,
      bikes: start,
      canRent: installed && (status?.is_renting ?? true),
      canReturn: installed && (status?.is_returning ?? true),
    })
  }
  return { stations, fromStatus }
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length
}

export function sd(values: readonly number[]): number {
  if (values.length < 2) return 0
  const m = mean(values)
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1))
}

/** The station nearest the demand-weighted centre: where every van starts the day. */
export function depotOf(stations: readonly SimStation[], fit: Fit): number {
  let lat = 0
  let lon = 0
  let weight = 0
  stations.forEach((station) => {
    const at = fit.model.index.get(station.id)
    let w = 0
    if (at !== undefined) {
      for (let slot = 0; slot < SLOTS_PER_DAY; slot += 1) {
        w += fit.model.rentals[at * 2 * SLOTS_PER_DAY + slot] ?? 0
      }
    }
    lat += station.lat * w
    lon += station.lon * w
    weight += w
  })
  const centre =
    weight > 0 ? { lat: lat / weight, lon: lon / weight } : (stations[0] ?? { lat: 0, lon: 0 })
  let best = 0
  stations.forEach((station, index) => {
    if (distanceKm(station, centre) < distanceKm(stations[best] as SimStation, centre)) best = index
  })
  return best
}
