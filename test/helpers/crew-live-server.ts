import pg from 'pg'
import { expect } from 'vitest'
import { startServe, type RunningServe } from './cli.js'
import { api, createToken, workspace } from './e2e.js'

/** Stations around the van (VAN is at Market & 10th): two near, two across the city. */
export const STATIONS = [
  { id: 'st-near', name: 'Market St at 10th St', short: 'SF-M10', lat: 37.7765, lon: -122.4172 },
  { id: 'st-sink', name: 'Valencia St at 16th St', short: 'SF-V16', lat: 37.7651, lon: -122.4219 },
  { id: 'st-far', name: 'Geary Blvd at 33rd Ave', short: 'SF-G33', lat: 37.7803, lon: -122.4929 },
  { id: 'st-sink2', name: 'Ocean Beach at Judah', short: 'SF-OBJ', lat: 37.7606, lon: -122.5087 },
]

export interface CrewLiveServer {
  serve: RunningServe
  /** A token from `balancer token create --role dispatcher`. */
  dispatcher: string
  newCrew(crewId: string, name: string): Promise<void>
  /** A ready task of priority 5, made `minutesAgo` (older first without a van's position). */
  newTask(from: string, to: string, qty: number, minutesAgo?: number): Promise<number>
  /** Cancels every ready task, so the next claim can only get the tasks a test makes. */
  cancelReady(): Promise<void>
  /** A pairing made by the dispatcher's token, as the console's "Pair a phone" makes it. */
  pairingCode(crewId: string): Promise<string>
  /** The first row of a query on the server's database. */
  row<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T>
  rows<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>
  stop(): Promise<void>
}

/**
 * A real `balancer serve` on a throwaway database (a scratch database of its own), with the
 * STATIONS and their live numbers, fresh, as a feed poll writes them.
 */
export async function startCrewLiveServer(): Promise<CrewLiveServer> {
  const space = await workspace('balancer-e2e-crew-live-')
  const serve = await startServe(['--port', '0'], space.env())
  const db = new pg.Client({ connectionString: space.database.url })
  await db.connect()
  await db.query(`insert into systems (system_id, name) values ('bay', 'Bay Wheels')`)
  // The feed the numbers came from, read a moment ago (nothing polls it: BALANCER_POLL is off).
  await db.query(
    `insert into feeds (url, system_id, enabled, ttl_seconds, feed_last_updated, last_success_at)
     values ('http://127.0.0.1:9/gbfs.json', 'bay', false, 60, now(), now())`,
  )
  for (const s of STATIONS) {
    await db.query(
      `insert into stations (system_id, station_id, name, short_name, lat, lon, capacity)
       values ('bay', $1, $2, $3, $4, $5, 20)`,
      [s.id, s.name, s.short, s.lat, s.lon],
    )
    await db.query(
      `insert into station_status_latest (system_id, station_id, ts, last_reported,
         num_bikes_available, num_docks_available, is_installed, is_renting, is_returning)
       values ('bay', $1, now(), now(), 15, 5, true, true, true)`,
      [s.id],
    )
  }
  const dispatcher = await createToken(space.env(), 'dispatcher', 'depot desk')
  const row = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const { rows } = await db.query<T>(text, values)
    if (!rows[0]) throw new Error(`no row: ${text}`)
    return rows[0]
  }
  return {
    serve,
    dispatcher,
    row,
    rows: async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
      (await db.query<T>(text, values)).rows,
    async newCrew(crewId, name) {
      await db.query(`insert into crews (crew_id, name, van_capacity) values ($1, $2, 12)`, [
        crewId,
        name,
      ])
    },
    async newTask(from, to, qty, minutesAgo = 0) {
      const { id } = await row<{ id: string }>(
        `insert into tasks (system_id, from_station_id, to_station_id, qty, priority, reason,
           created_by, created_at)
         values ('bay', $1, $2, $3, 5, 'station nearly full', 'test',
           now() - make_interval(mins => $4))
         returning id`,
        [from, to, qty, minutesAgo],
      )
      return Number(id)
    },
    async cancelReady() {
      await db.query(
        `update tasks set status = 'canceled', canceled_at = now() where status = 'ready'`,
      )
    },
    async pairingCode(crewId) {
      const pairing = await api<{ code: string; url: string; expires_at: string }>(
        serve,
        'POST',
        `/crews/${crewId}/pairings`,
        dispatcher,
      )
      expect(pairing.url).toMatch(new RegExp(`/crew/#pair=${pairing.code}$`))
      expect(Date.parse(pairing.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000)
      return pairing.code
    },
    async stop() {
      await db.end()
      await serve.stop()
      await space.remove()
    },
  }
}
