import { sql } from 'kysely'
import type { Database } from '../../src/server/db/database.js'

/**
 * Hand-made status histories for service-level tests, written as the poller (or an import)
 * would leave them: a station_status row only when a station changed, a snapshot per poll, and
 * a spell of absence when a poll leaves a station out.
 */

export interface StationSpec {
  id: string
  lat: number
  lon: number
  name?: string
}

export interface StateSpec {
  bikes: number
  docks: number
  installed?: boolean
  renting?: boolean
  returning?: boolean
}

export interface PollSpec {
  at: Date
  /** The stations this poll listed, by id. */
  states: Record<string, StateSpec>
}

/** A wall-clock time in July in San Francisco (PDT, UTC-7): `pdt('2023-07-12 08:05')`. */
export function pdt(text: string): Date {
  const [day, time = '00:00'] = text.split(' ')
  return new Date(`${day}T${time}:00-07:00`)
}

/** Every `stepMinutes` from `from` up to and including `to` (PDT texts). */
export function pollTimes(from: string, to: string, stepMinutes: number): Date[] {
  const times: Date[] = []
  for (let t = pdt(from).getTime(); t <= pdt(to).getTime(); t += stepMinutes * 60_000) {
    times.push(new Date(t))
  }
  return times
}

/** The same state for every station of `ids`. */
export function allAs(ids: readonly string[], state: StateSpec): Record<string, StateSpec> {
  return Object.fromEntries(ids.map((id) => [id, state]))
}

export async function writeHistory(
  db: Database,
  history: {
    systemId: string
    timeZone?: string
    stations: readonly StationSpec[]
    polls: readonly PollSpec[]
    /** Written as an imported history with this median spacing, else as polls. */
    importedWithMedianSeconds?: number
  },
): Promise<void> {
  const { systemId } = history
  await db
    .insertInto('systems')
    .values({
      system_id: systemId,
      name: `System ${systemId}`,
      timezone: history.timeZone ?? 'America/Los_Angeles',
    })
    .onConflict((oc) => oc.column('system_id').doNothing())
    .execute()
  if (history.stations.length > 0) {
    await db
      .insertInto('stations')
      .values(
        history.stations.map((s) => ({
          system_id: systemId,
          station_id: s.id,
          name: s.name ?? `Station ${s.id}`,
          lat: s.lat,
          lon: s.lon,
        })),
      )
      .onConflict((oc) => oc.columns(['system_id', 'station_id']).doNothing())
      .execute()
  }
  const times = history.polls.map((p) => p.at.getTime())
  await sql`select ensure_station_status_partitions(${new Date(Math.min(...times))},
                                                    ${new Date(Math.max(...times))})`.execute(db)
  let importId: number | null = null
  if (history.importedWithMedianSeconds !== undefined) {
    const row = await db
      .insertInto('status_imports')
      .values({
        system_id: systemId,
        file_name: 'hand-made.csv',
        content_sha256: Math.random().toString(16).slice(2).padEnd(64, '0').slice(0, 64),
        rows_read: 0,
        rows_written: 0,
        rows_rejected: 0,
        rows_unknown_station: 0,
        snapshots: history.polls.length,
        stations: history.stations.length,
        median_spacing_seconds: history.importedWithMedianSeconds,
        bytes: 0,
        seconds: 0,
      })
      .returning('import_id')
      .executeTakeFirstOrThrow()
    importId = row.import_id
  }

  const last = new Map<string, string>()
  const away = new Map<string, Date>()
  for (const poll of history.polls) {
    await db
      .insertInto('status_snapshots')
      .values({
        system_id: systemId,
        observed_at: poll.at,
        source: importId === null ? 'poll' : 'import',
        import_id: importId,
        stations: Object.keys(poll.states).length,
      })
      .execute()
    for (const [id, state] of Object.entries(poll.states)) {
      const key = JSON.stringify(state)
      const since = away.get(id)
      if (since) {
        await db
          .updateTable('station_status_absences')
          .set({ until: poll.at })
          .where('system_id', '=', systemId)
          .where('station_id', '=', id)
          .where('since', '=', since)
          .execute()
        away.delete(id)
      }
      if (last.get(id) === key && !since) continue
      last.set(id, key)
      await db
        .insertInto('station_status')
        .values({
          system_id: systemId,
          station_id: id,
          ts: poll.at,
          last_reported: poll.at,
          num_bikes_available: state.bikes,
          num_docks_available: state.docks,
          is_installed: state.installed ?? true,
          is_renting: state.renting ?? true,
          is_returning: state.returning ?? true,
        })
        .execute()
    }
    for (const id of last.keys()) {
      if (!(id in poll.states) && !away.has(id)) {
        away.set(id, poll.at)
        await db
          .insertInto('station_status_absences')
          .values({ system_id: systemId, station_id: id, since: poll.at })
          .execute()
      }
    }
  }
}
