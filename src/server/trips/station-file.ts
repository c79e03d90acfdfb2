import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'

/**
 * Stations to map trips against, from a saved GBFS station_information.json, for a database
 * that has not polled a feed (or needs a year's stations: a 2018 month matches the 2018 feed,
 * not today's). Only what matching and flows need is read; the GBFS poller owns the rest.
 */

/** A station file that cannot be read: the request is at fault, not the server. */
function stationFileError(detail: string): ServiceError {
  return new ServiceError('invalid', 'invalid_station_file', detail)
}

/** GBFS 1.x/2.x send strings (or numbers: Bicing ids, Ford GoBike region_id); 3.0 localized arrays. */
const text = z.union([
  z.string(),
  z.number().transform(String),
  z.array(z.object({ text: z.string() }).loose()).transform((names) => names[0]?.text ?? ''),
])

const stationSchema = z
  .object({
    station_id: z.union([z.string().min(1), z.number().transform(String)]),
    name: text,
    short_name: text.nullish(),
    legacy_id: text.nullish(),
    external_id: text.nullish(),
    region_id: text.nullish(),
    capacity: z.number().int().min(0).nullish(),
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
  })
  .loose()

const fileSchema = z.object({ data: z.object({ stations: z.array(z.unknown()) }).loose() }).loose()

const systemInformationSchema = z
  .object({
    data: z
      .object({ system_id: z.string().min(1), name: text, timezone: z.string().min(1) })
      .loose(),
  })
  .loose()

export interface SystemInformation {
  systemId: string
  name: string
  timezone: string
}

export interface StationFileResult {
  systemId: string
  loaded: number
  /** The ids loaded, so that a caller loading several files can count stations once. */
  stationIds: string[]
  /** Entries without an id, a name or a position: skipped, each with why. */
  skipped: string[]
  systemCreated: boolean
}

async function readJson(path: string): Promise<unknown> {
  let body: string
  try {
    body = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw stationFileError(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}`,
    )
  }
  try {
    return JSON.parse(body) as unknown
  } catch (error) {
    throw stationFileError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/** The system_information.json saved beside a station_information.json, if there is one. */
export async function siblingSystemInformation(
  stationFile: string,
): Promise<SystemInformation | null> {
  const path = join(dirname(stationFile), 'system_information.json')
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as unknown
  } catch {
    return null
  }
  const parsed = systemInformationSchema.safeParse(json)
  if (!parsed.success) return null
  const { system_id, name, timezone } = parsed.data.data
  return { systemId: system_id, name, timezone }
}

function blankToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value
}

/**
 * Upserts the file's stations into a system, creating the system when it does not exist (with
 * the name and time zone of a system_information.json beside the file when there is one).
 */
export async function loadStationFile(
  db: Database,
  path: string,
  system: { systemId: string; name?: string; timezone?: string },
): Promise<StationFileResult> {
  const parsed = fileSchema.safeParse(await readJson(path))
  if (!parsed.success) {
    throw stationFileError(`${path} is not a GBFS station_information.json (no data.stations list)`)
  }
  const skipped: string[] = []
  // One row per id: a file listing an id twice would otherwise fail the upsert.
  const byId = new Map<string, z.infer<typeof stationSchema>>()
  parsed.data.data.stations.forEach((entry, index) => {
    const station = stationSchema.safeParse(entry)
    if (station.success) {
      byId.set(station.data.station_id, station.data)
    } else {
      const issue = station.error.issues[0]
      skipped.push(
        `stations[${index}]: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      )
    }
  })
  const stations = [...byId.values()]
  if (stations.length === 0) throw stationFileError(`${path} lists no usable station`)

  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('systems')
      .values({
        system_id: system.systemId,
        name: system.name ?? system.systemId,
        ...(system.timezone ? { timezone: system.timezone } : {}),
      })
      .onConflict((oc) => oc.column('system_id').doNothing())
      .returning('system_id')
      .executeTakeFirst()
    await trx
      .insertInto('stations')
      .values(
        stations.map((s) => ({
          system_id: system.systemId,
          station_id: s.station_id,
          name: s.name,
          short_name: blankToNull(s.short_name),
          legacy_id: blankToNull(s.legacy_id),
          external_id: blankToNull(s.external_id),
          region_id: blankToNull(s.region_id),
          capacity: s.capacity ?? null,
          lat: s.lat,
          lon: s.lon,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['system_id', 'station_id']).doUpdateSet({
          name: sql`excluded.name`,
          short_name: sql`excluded.short_name`,
          legacy_id: sql`excluded.legacy_id`,
          external_id: sql`excluded.external_id`,
          region_id: sql`excluded.region_id`,
          capacity: sql`excluded.capacity`,
          lat: sql`excluded.lat`,
          lon: sql`excluded.lon`,
          last_seen_at: sql`now()`,
        }),
      )
      .execute()
    return {
      systemId: system.systemId,
      loaded: stations.length,
      stationIds: stations.map((s) => s.station_id),
      skipped,
      systemCreated: created !== undefined,
    }
  })
}
