import { literal } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'

/** The write of an imported status history: station_status, its absences and snapshots. */

export interface WrittenHistory {
  /** Good rows of known stations. */
  rowsListed: number
  /** Of those, rows where the station changed (or was listed again after an absence). */
  rowsChanged: number
  /** Of those, rows station_status did not have yet: what was written. */
  rowsWritten: number
  stations: number
  absences: number
  snapshotsWritten: number
}

/** A station's state as polled: what makes a row worth keeping when it changes. */
const STATE = `(r.last_reported, r.bikes, r.ebikes, r.docks, r.docks_disabled, r.bikes_disabled,
                r.is_installed, r.is_renting, r.is_returning)`

/**
 * The one statement that writes the history, from status_rows and status_file_snapshots:
 *
 * - station_status: per station, a row only where it differs from the station's previous row
 *   in the file (the poller's rule: counts, flags or last_reported changed), or where the
 *   station is listed again after snapshots that left it out (the poller writes a station that
 *   comes back, too). Rows go in time order, which is what the BRIN index on ts wants; a row
 *   the table already has (a poll, an earlier import of other bytes) is left as it is.
 * - station_status_absences: each run of snapshots that left a station out after its first
 *   listing, from the first snapshot without it to the next that lists it; a station never
 *   listed again is unknown until the file's last snapshot + 1 second. A rejected row leaves
 *   its station out of that snapshot too: its numbers then are not known.
 * - status_snapshots: one per snapshot, with the rows of known stations it held.
 *
 * station_status_latest is not touched: an imported week is history, not live numbers.
 * Measured on the Bay Wheels week (437,945 rows written of 454,443; last_reported moves at
 * nearly every poll), 2 shared cores: 6.9-7.9 s when written into station_status (3.7 s the
 * insert through its primary key, 2.1 s its foreign key's per-row check on stations, 1.2 s the
 * window). Into a month of the import's own (prepareHistoryTarget), the table has no index yet:
 * the rows go in plainly, in the order of its primary key, which is built once afterwards
 * (a row the file gives twice, same station and poll time, is written once, its first), and
 * the foreign key is checked in one join when the month is attached. The window sorts by the
 * station id's bytes (collate "C": the same order as the key's collation for these ids, and a
 * cheaper comparison) and compares a station's state with its previous one as one record.
 */
export async function writeHistory(
  client: ImportConnection,
  params: { systemId: string; importId: number; target: HistoryTarget },
): Promise<WrittenHistory> {
  const { target } = params
  // A month of the import's own: a new table, so nothing can conflict.
  const own = target.month !== null
  const { rows } = await client.query<{
    listed: number
    changed: number
    written: number
    stations: number
    absences: number
    snapshots: number
  }>(
    `with listed as materialized (
       select r.station_id, r.poll_time, r.last_reported, r.bikes, r.ebikes, r.docks,
              r.docks_disabled, r.bikes_disabled, r.is_installed, r.is_renting, r.is_returning,
              sn.n, lag(sn.n) over w as previous_n, lead(sn.n) over w is null as last_listing,
              lag(r.poll_time) over w = r.poll_time as repeated,
              lag(sn.n) over w is null
              or lag(sn.n) over w < sn.n - 1
              or ${STATE} is distinct from lag(${STATE}) over w
                as changed
         from status_rows r
         join status_file_snapshots sn using (poll_time)
        where r.reason is null and r.known
       window w as (partition by r.station_id collate "C" order by r.poll_time, r.line)
     ),
     written as (
       insert into ${target.table} (system_id, station_id, ts, last_reported, num_bikes_available,
                                   num_ebikes_available, num_docks_available, num_bikes_disabled,
                                   num_docks_disabled, is_installed, is_renting, is_returning)
       select $1, station_id, poll_time, last_reported, bikes, ebikes, docks, bikes_disabled,
              docks_disabled, is_installed, is_renting, is_returning
         from listed
        where changed ${own ? 'and not coalesce(repeated, false)' : ''}
        order by ${own ? 'station_id collate "C", poll_time' : 'poll_time, station_id'}
       ${own ? '' : 'on conflict (system_id, station_id, ts) do nothing'}
       returning 1
     ),
     gaps as (
       select l.station_id, after.poll_time as since, l.poll_time as until
         from listed l
         join status_file_snapshots after on after.n = l.previous_n + 1
        where l.previous_n < l.n - 1
       union all
       select l.station_id, after.poll_time,
              (select max(poll_time) from status_file_snapshots) + interval '1 second'
         from listed l
         join status_file_snapshots after on after.n = l.n + 1
        where l.last_listing
     ),
     absences as (
       insert into station_status_absences (system_id, station_id, since, until)
       select $1, station_id, since, until from gaps
       on conflict (system_id, station_id, since) do nothing
       returning 1
     ),
     snapshots as (
       insert into status_snapshots (system_id, observed_at, source, import_id, stations)
       select $1, poll_time, 'import', $2, stations from status_file_snapshots
       on conflict (system_id, observed_at) do nothing
       returning 1
     )
     select counts.*,
            (select count(*) from written)::integer as written,
            (select count(*) from absences)::integer as absences,
            (select count(*) from snapshots)::integer as snapshots
       from (select count(*)::integer as listed,
                    count(*) filter (where changed)::integer as changed,
                    count(*) filter (where previous_n is null)::integer as stations
               from listed) counts`,
    [params.systemId, params.importId],
  )
  const row = rows[0]
  return {
    rowsListed: row?.listed ?? 0,
    rowsChanged: row?.changed ?? 0,
    rowsWritten: row?.written ?? 0,
    stations: row?.stations ?? 0,
    absences: row?.absences ?? 0,
    snapshotsWritten: row?.snapshots ?? 0,
  }
}

/**
 * Where the history's rows go: station_status (its monthly partitions made where missing), or,
 * when all of them fall in one month that has no partition yet (a week nobody polled, the usual
 * import), a table of the import's own that becomes that month's partition at the end
 * (attachHistoryMonth). Rows written into station_status run its foreign key's check on
 * stations one by one (2.1 s of the Bay Wheels week); attaching the table checks all of them in
 * one join.
 */
export interface HistoryTarget {
  table: string
  /** The month the import's own table becomes the partition of; null for station_status. */
  month: { start: Date; end: Date } | null
}

/** An instant as an SQL constant: DDL takes no parameters. */
function instant(at: Date): string {
  return `${literal(at.toISOString())}::timestamptz`
}

export async function prepareHistoryTarget(
  client: ImportConnection,
  range: { first: Date; last: Date },
): Promise<HistoryTarget> {
  // Months cut in UTC and named as ensure_station_status_partitions (0001) names them.
  const { rows } = await client.query<{ name: string; start: Date; end: Date; one: boolean }>(
    `select 'station_status_' || to_char(m.start at time zone 'UTC', 'YYYY_MM') as name,
            m.start, m.start + interval '1 month' as end,
            date_trunc('month', $2::timestamptz at time zone 'UTC') at time zone 'UTC' = m.start
              as one
       from (select date_trunc('month', $1::timestamptz at time zone 'UTC') at time zone 'UTC'
                      as start) m`,
    [range.first, range.last],
  )
  const month = rows[0]
  if (month?.one) {
    // Partition makers take turns (ensure_station_status_partitions takes the same lock): one
    // that comes while this import runs waits for its commit, then finds the month made.
    await client.query(`select pg_advisory_xact_lock(hashtext('station_status_partitions'))`)
    const exists = await client.query<{ found: boolean }>(
      'select to_regclass($1) is not null as found',
      [month.name],
    )
    if (!exists.rows[0]?.found) {
      await client.query(
        `create table ${month.name} (like station_status including defaults including constraints)`,
      )
      await client.query(
        `alter table ${month.name}
           add constraint ${month.name}_month
             check (ts >= ${instant(month.start)} and ts < ${instant(month.end)})`,
      )
      return { table: month.name, month: { start: month.start, end: month.end } }
    }
  }
  await client.query('select ensure_station_status_partitions($1, $2)', [range.first, range.last])
  return { table: 'station_status', month: null }
}

/**
 * The import's own table becomes its month's partition of station_status: its primary key built
 * over the rows written (sorted as it wants them), the foreign key on stations checked over all
 * of them in one join and the BRIN index on ts built once. The month check spares the attach a
 * scan of the rows.
 */
export async function attachHistoryMonth(
  client: ImportConnection,
  target: HistoryTarget,
): Promise<void> {
  if (!target.month) return
  await client.query(`alter table ${target.table} add primary key (system_id, station_id, ts)`)
  await client.query(
    `alter table station_status attach partition ${target.table}
       for values from ($1) to ($2)`.replace(
      /\$1|\$2/g,
      (p) => `'${(p === '$1' ? target.month?.start : target.month?.end)?.toISOString() ?? ''}'`,
    ),
  )
  await client.query(`alter table ${target.table} drop constraint ${target.table}_month`)
}
