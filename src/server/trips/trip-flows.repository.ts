import { literal } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import { importTable } from './trip-table.repository.js'

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

/** The query that sums `events` (station_id, time_bin, outflow, inflow) into one row per bin. */
function binCounts(events: string): string {
  return `select $1::text as system_id, station_id, time_bin, sum(outflow)::integer as outflow,
                 sum(inflow)::integer as inflow
            from (select station_id collate "C" as station_id, time_bin, outflow, inflow
                    from (${events}) events) events
           group by time_bin, station_id`
}

/** Whether the system has counts in the bins of [first, last] already. */
async function flowsOverlap(
  client: ImportConnection,
  systemId: string,
  range: { first: Date; last: Date },
): Promise<boolean> {
  const { rows } = await client.query<{ overlap: boolean }>(
    `select exists (select 1 from station_flows
                     where system_id = $1
                       and time_bin >= ${flowBin('$2::timestamptz')}
                       and time_bin <= ${flowBin('$3::timestamptz')}) as overlap`,
    [systemId, range.first, range.last],
  )
  return rows[0]?.overlap ?? false
}

/**
 * Adds quarter-hour counts to station_flows, under lockFlows: the cost grows with the trips just
 * written, not with the history. `events` is a query of (station_id, time_bin, outflow, inflow)
 * rows ($1 is the system), all of them within the bins of [first, last]. When none of the
 * system's bins in that range exists yet (a new month, the usual case) the counts are inserted
 * plainly; otherwise they are added to the existing ones. Month of 123k bins: 0.5-0.7 s
 * inserted, 1.2-1.5 s through ON CONFLICT. Rows go in time order, which is what the BRIN index
 * on time_bin wants.
 */
async function addFlows(
  client: ImportConnection,
  systemId: string,
  events: string,
  range: { first: Date; last: Date },
): Promise<number> {
  const overlap = await flowsOverlap(client, systemId, range)
  const result = await client.query(
    `insert into station_flows (system_id, station_id, time_bin, outflow, inflow)
     ${binCounts(events)}
     order by time_bin, station_id
     ${
       overlap
         ? `on conflict (system_id, station_id, time_bin) do update
              set outflow = station_flows.outflow + excluded.outflow,
                  inflow = station_flows.inflow + excluded.inflow`
         : ''
     }`,
    [systemId],
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
      { first: range.first, last: range.last },
    )
  }
  await client.query('truncate trip_new_flows')
  return added
}

/** An instant as text that reads the same in any session's zone and date style. */
function utcText(instant: string): string {
  return `to_char((${instant}) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS+00')`
}

/** The partition of station_flows that holds one import's counts. */
export function importFlowsTable(importId: number): string {
  return `station_flows_import_${importId}`
}

/**
 * An import's counts as a partition of station_flows of their own (0016), for bins the system
 * has no counts in yet and no partition covers: written plainly into a new table in the order of
 * the primary key (station ids as bytes, which is how these ids sort in any collation), which the
 * attach builds once over them, instead of through the key row by row (the four-month benchmark
 * file: 4.2 s). Undone, answering null, when a partition of the system already covers part of the
 * range (an earlier import's, whose bins may lie on either side of this one's).
 */
async function addFlowsPartition(
  client: ImportConnection,
  systemId: string,
  importId: number,
  events: string,
  range: { first: Date; last: Date },
): Promise<number | null> {
  const table = importFlowsTable(importId)
  const { rows } = await client.query<{ first: string; last: string }>(
    `select ${utcText(flowBin('$1::timestamptz'))} as first,
            ${utcText(`${flowBin('$2::timestamptz')} + interval '15 minutes'`)} as last`,
    [range.first, range.last],
  )
  const system = literal(systemId)
  const first = literal(rows[0]?.first ?? '')
  const last = literal(rows[0]?.last ?? '')
  await client.query('savepoint flows_partition')
  try {
    // The partition's bound as a check, so that attaching the table needs no scan of its rows.
    await client.query(
      `create table ${table} (
         like station_flows including defaults including constraints,
         constraint ${table}_range
           check (system_id = ${system} and time_bin >= ${first} and time_bin < ${last})
       ) with (fillfactor = 90)`,
    )
    const result = await client.query(
      `insert into ${table} (system_id, station_id, time_bin, outflow, inflow)
       ${binCounts(events)}
       order by station_id, time_bin`,
      [systemId],
    )
    await client.query(
      `alter table station_flows attach partition ${table}
         for values from (${system}, ${first}) to (${system}, ${last})`,
    )
    await client.query(`alter table ${table} drop constraint ${table}_range`)
    await client.query('release savepoint flows_partition')
    return result.rowCount ?? 0
  } catch (error) {
    // 42P17: the range overlaps a partition's.
    if ((error as { code?: string }).code !== '42P17') throw error
    await client.query('rollback to savepoint flows_partition')
    return null
  }
}

/**
 * Adds the counts of one import's trips to station_flows: one aggregation over the import's own
 * table (its partition of trips, or the table it is copied into before that), into a partition of
 * their own when the system has no counts in their range yet (addFlowsPartition), else added to
 * the existing ones (addFlows).
 */
export async function addTableFlows(
  client: ImportConnection,
  systemId: string,
  importId: number,
  range: { firstStartedAt: Date; lastEndedAt: Date },
): Promise<number> {
  const table = importTable(importId)
  const events = `select start_station_id as station_id, ${flowBin('started_at')} as time_bin,
                         1 as outflow, 0 as inflow
                    from ${table} where start_station_id is not null
                  union all
                  select end_station_id, ${flowBin('ended_at')}, 0, 1
                    from ${table} where end_station_id is not null`
  // Trips end after they start: every bin lies from the first start's to the last end's.
  const bins = { first: range.firstStartedAt, last: range.lastEndedAt }
  if (!(await flowsOverlap(client, systemId, bins))) {
    const added = await addFlowsPartition(client, systemId, importId, events, bins)
    if (added !== null) return added
  }
  return addFlows(client, systemId, events, bins)
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
