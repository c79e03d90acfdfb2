import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { knownStations } from './dispatch.repository.js'

/** A move of bikes between two stations of one system: what a task carries out. */
export interface Move {
  system_id: string
  from_station_id: string
  to_station_id: string
  qty: number
}

interface Ends {
  from_name: string | null
  from_bikes: number | null
  to_name: string | null
  to_docks: number | null
}

/** Both stations must exist in the move's system: 422 `unknown_station` naming the field. */
export async function checkStationsExist(db: Database, move: Move): Promise<void> {
  const known = await knownStations(db, move.system_id, [move.from_station_id, move.to_station_id])
  for (const field of ['from_station_id', 'to_station_id'] as const) {
    if (!known.has(move[field])) {
      throw new ServiceError(
        'unprocessable',
        'unknown_station',
        `${field}: no station "${move[field]}" in system "${move.system_id}"`,
      )
    }
  }
}

/** What the caller would do with the quantity that fits, in the refusal's words. */
export type MoveVerb = 'approve' | 'ask for'

/**
 * Does the move fit the stations' latest status? The source must have `qty` bikes and the sink
 * `qty` free docks now (station_status_latest, read in the caller's transaction, so an approval
 * or a task made by hand checks what is true when it commits). A side whose status is not known
 * is not held against the move. Refused with 409 `move_does_not_fit`, the station named in words
 * and `fits_qty`, the bikes that would still fit (0 when none would).
 */
export async function checkMoveFits(db: Database, move: Move, verb: MoveVerb): Promise<void> {
  const { rows } = await sql<Ends>`
    select f.name as from_name, fl.num_bikes_available as from_bikes,
           t.name as to_name, tl.num_docks_available as to_docks
      from (select 1) as one
      left join stations f on f.system_id = ${move.system_id} and f.station_id = ${move.from_station_id}
      left join station_status_latest fl on fl.system_id = f.system_id and fl.station_id = f.station_id
      left join stations t on t.system_id = ${move.system_id} and t.station_id = ${move.to_station_id}
      left join station_status_latest tl on tl.system_id = t.system_id and tl.station_id = t.station_id`.execute(
    db,
  )
  const ends = rows[0]
  if (!ends) return
  const refusal = moveRefusal(move, ends, verb)
  if (refusal) throw refusal
}

/** The refusal for a move its stations' numbers contradict, or null when it fits. */
export function moveRefusal(move: Move, ends: Ends, verb: MoveVerb): ServiceError | null {
  const bikes = ends.from_bikes ?? Number.POSITIVE_INFINITY
  const docks = ends.to_docks ?? Number.POSITIVE_INFINITY
  if (bikes >= move.qty && docks >= move.qty) return null
  const fits = Math.max(0, Math.min(move.qty, bikes, docks))
  const short =
    bikes <= docks
      ? `${ends.from_name ?? `station ${move.from_station_id}`} has ${plural(bikes, 'bike')} now`
      : `${ends.to_name ?? `station ${move.to_station_id}`} has ${plural(docks, 'free dock')} now`
  const instead =
    fits > 0 ? `${verb} ${fits} instead` : `no bikes would fit; ${verb} this move later`
  return new ServiceError(
    'conflict',
    'move_does_not_fit',
    `${short}, not the ${move.qty} this move needs; ${instead}`,
    { fits_qty: fits },
  )
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
