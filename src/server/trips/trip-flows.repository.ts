import type { ImportConnection } from '../imports/import-connection.js'

/**
 * station_flows kept up to date by the writers of trips: each import adds its own trips' counts,
 * a remap those of the trips it mapped.
 */

/** The quarter-hour grid of station_flows (0001: cut on the UTC quarter hour). */
const FLOW_BIN = `date_bin('15 minutes', %s, timestamptz '2000-01-01 00:00:00+00')`

export function flowBin(expression: string): string {
  return FLOW_BIN.replace('%s', expression)
}

/**
 * The writers of one system's station_flows take turns (imports, remaps, a rebuild), from their
 * flows step to their commit: a second import of the same system waits about a second. That
 * lets an import that adds new bins insert them plainly (below), and no two writers can
 * deadlock over the same bins.
 */
export async function lockFlows(client: ImportConnection, systemId: string): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext('station_flows'), hashtext($1))`, [
    systemId,
  ])
}

/**
 * Adds quarter-hour counts to station_flows, under lockFlows: the cost grows with the trips just
 * written, not with the history. `events` is a query of (station_id, time_bin, outflow, inflow)
 * rows ($1 is the system, `params` follow), all of them within the bins of [first, last]. When
 * none of the system's bins in that range exists yet (a new month, the usual case) the counts
 * are inserted plainly; otherwise they are added to the existing ones. Month of 123k bins:
 * 0.5-0.7 s inserted, 1.2-1.5 s through ON CONFLICT. Rows go in time order, which is what the
 * BRIN index on time_bin wants.
 */
async function addFlows(
  client: ImportConnection,
  systemId: string,
  events: string,
  params: unknown[],
  range: { first: Date; last: Date },
): Promise<number> {
  const { rows } = await client.query<{ overlap: boolean }>(
    `select exists (select 1 from station_flows
                     where system_id = $1
                       and time_bin >= ${flowBin('$2::timestamptz')}
                       and time_bin <= ${flowBin('$3::timestamptz')}) as overlap`,
    [systemId, range.first, range.last],
  )
  const counts = `
    insert into station_flows (system_id, station_id, time_bin, outflow, inflow)
    select $1, station_id, time_bin, sum(outflow), sum(inflow)
      from (select station_id collate "C" as station_id, time_bin, outflow, inflow
              from (${events}) events) events
     -- grouped in the order of the insert: one sort serves both
     group by time_bin, station_id
     order by time_bin, station_id`
  const result = await client.query(
    rows[0]?.overlap
      ? `${counts}
         on conflict (system_id, station_id, time_bin) do update
            set outflow = station_flows.outflow + excluded.outflow,
                inflow = station_flows.inflow + excluded.inflow`
      : counts,
    [systemId, ...params],
  )
  return result.rowCount ?? 0
}

/** Adds trip_new_flows (a remap's counts) to station_flows; see addFlows. */
export async function addNewFlows(client: ImportConnection, systemId: string): Promise<number> {
  const { rows } = await client.query<{ first: Date | null; last: Date | null }>(
    'select min(time_bin) as first, max(time_bin) as last from trip_new_flows',
  )
  const range = rows[0]
  let added = 0
  if (range?.first && range.last) {
    added = await addFlows(
      client,
      systemId,
      'select station_id, time_bin, outflow, inflow from trip_new_flows',
      [],
      { first: range.first, last: range.last },
    )
  }
  await client.query('truncate trip_new_flows')
  return added
}

/**
 * Adds the counts of one import's trips to station_flows: one aggregation over the import's own
 * table (its partition of trips, or the table it is copied into before that) straight into
 * station_flows; see addFlows.
 */
export async function addTableFlows(
  client: ImportConnection,
  systemId: string,
  table: string,
  range: { firstStartedAt: Date; lastEndedAt: Date },
): Promise<number> {
  return addFlows(
    client,
    systemId,
    `select start_station_id as station_id, ${flowBin('started_at')} as time_bin,
            1 as outflow, 0 as inflow
       from ${table} where start_station_id is not null
     union all
     select end_station_id, ${flowBin('ended_at')}, 0, 1
       from ${table} where end_station_id is not null`,
    [],
    // Trips end after they start: every bin lies from the first start's to the last end's.
    { first: range.firstStartedAt, last: range.lastEndedAt },
  )
}

/** trip_new_flows, for an import and for a remap alike. */
export async function createNewFlows(client: ImportConnection): Promise<void> {
  await client.query(
    `create temp table if not exists trip_new_flows (
       station_id text not null, time_bin timestamptz not null,
       outflow integer not null, inflow integer not null
     ) on commit drop`,
  )
}
