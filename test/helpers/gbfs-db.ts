import { sql } from 'kysely'
import type { Database } from '../../src/server/db/database.js'
import type { FeedConfig } from '../../src/server/gbfs/discovery.js'
import type { ServedFile, FeedSource } from '../../src/server/gbfs/feed-server.js'
import { FeedPoll, type PollDeps } from '../../src/server/gbfs/poller.js'
import { silentLogger } from '../../src/server/logger.js'

/** A feed poller as the server builds one, polling 127.0.0.1 only. */
export async function openPoll(
  db: Database,
  config: FeedConfig,
  deps: Partial<PollDeps> = {},
): Promise<FeedPoll> {
  return FeedPoll.open(config, { db, logger: silentLogger(), polledBy: 'test-desk:1', ...deps })
}

export function pollNow(poll: FeedPoll) {
  return poll.poll(new AbortController().signal)
}

/** Row counts of everything a poll writes, to prove that a failed poll wrote nothing. */
export async function tableCounts(db: Database): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, number>>`
    select (select count(*) from systems)::int as systems,
           (select count(*) from stations)::int as stations,
           (select count(*) from stations where is_active)::int as active,
           (select count(*) from station_status)::int as status_rows,
           (select count(*) from station_status_latest)::int as latest,
           (select count(*) from status_snapshots)::int as snapshots,
           (select coalesce(sum(num_bikes_available), 0) from station_status_latest)::int as bikes`.execute(
    db,
  )
  return rows[0] ?? {}
}

export interface LiveStation {
  id: string
  bikes: number
  docks: number
  renting?: boolean
  /** Seconds before the file's last_updated that the station last reported. */
  reportedAgo?: number
}

/**
 * A small Lyft-style feed generated at request time with current times, for tests about
 * liveness and staleness, whose answers a test switches: `ok`, `garbage` (an HTML error page)
 * or `down` (a 503).
 */
export function liveSource(name = 'live-feed') {
  const state = {
    mode: 'ok' as 'ok' | 'garbage' | 'down',
    stations: [
      { id: 'A', bikes: 5, docks: 10 },
      { id: 'B', bikes: 0, docks: 15 },
      { id: 'C', bikes: 12, docks: 3 },
    ] as LiveStation[],
    information: ['A', 'B', 'C'],
    lastUpdated: () => Math.floor(Date.now() / 1000),
  }
  const json = (value: unknown): ServedFile => ({
    body: JSON.stringify(value),
    lastModified: new Date(),
  })
  const source: FeedSource = {
    name,
    file(feed, baseUrl) {
      const now = state.lastUpdated()
      if (feed === 'gbfs') {
        return Promise.resolve(
          json({
            last_updated: now,
            ttl: 60,
            data: {
              en: {
                feeds: ['station_information', 'station_status'].map((file) => ({
                  name: file,
                  url: `${baseUrl}${file}.json`,
                })),
              },
            },
          }),
        )
      }
      if (state.mode === 'down') return Promise.reject(new Error('503: the feed is down'))
      if (feed === 'station_information') {
        return Promise.resolve(
          json({
            last_updated: now,
            ttl: 60,
            data: {
              stations: state.information.map((id, index) => ({
                station_id: id,
                name: `Station ${id}`,
                lat: 37.77 + index / 100,
                lon: -122.42,
                capacity: 20,
              })),
            },
          }),
        )
      }
      if (feed === 'station_status') {
        if (state.mode === 'garbage') {
          return Promise.resolve({ body: '<html>502 Bad Gateway</html>', lastModified: new Date() })
        }
        return Promise.resolve(
          json({
            last_updated: now,
            ttl: 10,
            data: {
              stations: state.stations.map((station) => ({
                station_id: station.id,
                num_bikes_available: station.bikes,
                num_docks_available: station.docks,
                is_installed: 1,
                is_renting: station.renting === false ? 0 : 1,
                is_returning: 1,
                last_reported: now - (station.reportedAgo ?? 30),
              })),
            },
          }),
        )
      }
      return Promise.resolve(null)
    },
    describe: () => Promise.resolve([]),
  }
  return { source, state }
}
