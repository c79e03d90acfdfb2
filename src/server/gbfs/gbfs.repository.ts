import { sql, type Transaction } from 'kysely'
import type { Database } from '../db/database.js'
import type { DB } from '../db/schema.js'
import type { StationInfo } from './types.js'

/** The database, or a transaction on it: every function here takes either. */
export type Queryable = Database | Transaction<DB>

export interface FeedRow {
  feedId: number
  url: string
  systemId: string | null
  enabled: boolean
  consecutiveFailures: number
}

/** The feed's row, created on first sight: health is kept per URL. */
export async function ensureFeed(db: Queryable, url: string): Promise<FeedRow> {
  await db
    .insertInto('feeds')
    .values({ url })
    .onConflict((oc) => oc.column('url').doNothing())
    .execute()
  const row = await db
    .selectFrom('feeds')
    .select(['feed_id', 'url', 'system_id', 'enabled', 'consecutive_failures'])
    .where('url', '=', url)
    .executeTakeFirstOrThrow()
  return {
    feedId: row.feed_id,
    url: row.url,
    systemId: row.system_id,
    enabled: row.enabled,
    consecutiveFailures: row.consecutive_failures,
  }
}

/**
 * Locks the feed's row for the rest of the transaction: a `poll-once` run by hand while the
 * console's poller writes the same feed waits instead of interleaving, and then finds the
 * stations already up to date, so no status row is written twice.
 */
export async function lockFeed(
  trx: Queryable,
  feedId: number,
): Promise<{ systemId: string | null }> {
  const row = await trx
    .selectFrom('feeds')
    .select('system_id')
    .where('feed_id', '=', feedId)
    .forUpdate()
    .executeTakeFirstOrThrow()
  return { systemId: row.system_id }
}

/** What a feed's system_information says about its system (any of it may be missing). */
export interface SystemInformation {
  systemId: string
  name: string | null
  timezone: string | null
  language: string | null
}

/** A system's name, time zone and language follow its system_information when it has one. */
export async function upsertSystem(trx: Queryable, system: SystemInformation): Promise<void> {
  await sql`
    insert into systems (system_id, name, timezone, language)
    values (${system.systemId}, ${system.name ?? system.systemId},
            coalesce(${system.timezone}::text, 'America/Los_Angeles'), ${system.language})
    on conflict (system_id) do update
       set name = coalesce(${system.name}::text, systems.name),
           timezone = coalesce(${system.timezone}::text, systems.timezone),
           language = coalesce(${system.language}::text, systems.language)
     where (systems.name, systems.timezone, systems.language) is distinct from
           (coalesce(${system.name}::text, systems.name),
            coalesce(${system.timezone}::text, systems.timezone),
            coalesce(${system.language}::text, systems.language))`.execute(trx)
}

/**
 * system_regions as the feed now gives it: each region's name kept, the regions it no longer
 * lists removed (a station's region_id then shows as it is).
 */
export async function replaceRegions(
  trx: Queryable,
  systemId: string,
  regions: readonly { regionId: string; name: string }[],
): Promise<void> {
  const ids = regions.map((region) => region.regionId)
  const names = regions.map((region) => region.name)
  await sql`
    delete from system_regions
     where system_id = ${systemId} and not (region_id = any(${ids}::text[]))`.execute(trx)
  if (regions.length === 0) return
  await sql`
    insert into system_regions (system_id, region_id, name)
    select ${systemId}, r.region_id, r.name
      from unnest(${ids}::text[], ${names}::text[]) as r(region_id, name)
    on conflict (system_id, region_id) do update
       set name = excluded.name, updated_at = now()
     where system_regions.name is distinct from excluded.name`.execute(trx)
}

/** Makes the monthly station_status partition for `at` (a no-op when it exists). */
export async function ensureStatusPartition(db: Queryable, at: Date): Promise<void> {
  await sql`select ensure_station_status_partitions(${at}, ${at})`.execute(db)
}

export interface StationChanges {
  added: number
  updated: number
  reactivated: number
  inactivated: number
}

/**
 * Writes a station_information listing: new stations appear, changed names, capacities and
 * positions are updated, stations the listing no longer has are marked inactive (never deleted:
 * history and tasks refer to them), and stations that come back are active again.
 */
export async function applyStations(
  trx: Queryable,
  systemId: string,
  stations: readonly StationInfo[],
  at: Date,
  inactivateMissing: boolean,
): Promise<StationChanges> {
  const column = <K extends keyof StationInfo>(key: K) => stations.map((station) => station[key])
  const { rows } = await sql<StationChanges>`
    with input as (
      select *
        from unnest(${column('stationId')}::text[], ${column('name')}::text[],
                    ${column('shortName')}::text[], ${column('legacyId')}::text[],
                    ${column('externalId')}::text[], ${column('regionId')}::text[],
                    ${column('capacity')}::integer[], ${column('lat')}::float8[],
                    ${column('lon')}::float8[])
             as i(station_id, name, short_name, legacy_id, external_id, region_id, capacity, lat, lon)
    ),
    diff as (
      select i.*,
             s.station_id is null as is_new,
             s.station_id is not null
               and (s.name, s.short_name, s.legacy_id, s.external_id, s.region_id, s.capacity,
                    s.lat, s.lon)
                   is distinct from
                   (i.name, i.short_name, i.legacy_id, i.external_id, i.region_id, i.capacity,
                    i.lat, i.lon) as changed,
             s.station_id is not null and not s.is_active as reactivated
        from input i
        left join stations s on s.system_id = ${systemId} and s.station_id = i.station_id
    ),
    upserted as (
      insert into stations (system_id, station_id, name, short_name, legacy_id, external_id,
                            region_id, capacity, lat, lon, is_active, first_seen_at, last_seen_at)
      select ${systemId}, station_id, name, short_name, legacy_id, external_id, region_id,
             capacity, lat, lon, true, ${at}, ${at}
        from diff
       where is_new or changed or reactivated
      on conflict (system_id, station_id) do update
         set name = excluded.name, short_name = excluded.short_name,
             legacy_id = excluded.legacy_id, external_id = excluded.external_id,
             region_id = excluded.region_id, capacity = excluded.capacity,
             lat = excluded.lat, lon = excluded.lon, is_active = true,
             last_seen_at = excluded.last_seen_at
    ),
    gone as (
      update stations s
         set is_active = false
       where s.system_id = ${systemId} and s.is_active and ${inactivateMissing}::boolean
         and not (s.station_id = any(${column('stationId')}::text[]))
      returning 1
    )
    select (count(*) filter (where is_new))::int as added,
           (count(*) filter (where changed))::int as updated,
           (count(*) filter (where reactivated))::int as reactivated,
           (select count(*) from gone)::int as inactivated
      from diff`.execute(trx)
  const result = rows[0]
  return {
    added: result?.added ?? 0,
    updated: result?.updated ?? 0,
    reactivated: result?.reactivated ?? 0,
    inactivated: result?.inactivated ?? 0,
  }
}

/**
 * stations.last_seen_at says when a poll last found the station in the feed. Refreshed at most
 * every 5 minutes, so that a feed polled every 10 s does not rewrite every station every poll.
 */
export async function touchStationsSeen(trx: Queryable, systemId: string, at: Date): Promise<void> {
  await sql`
    update stations set last_seen_at = ${at}
     where system_id = ${systemId} and is_active
       and last_seen_at < ${at}::timestamptz - interval '5 minutes'`.execute(trx)
}

// The feed-health and station-status queries live beside this file; re-exported so that the
// modules which read them from here keep doing so.
export * from './feed-health.repository.js'
export * from './station-status.repository.js'
