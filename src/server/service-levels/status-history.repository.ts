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
 * nearly every poll), 2 shared cores: 6.9-7.9 s. Under EXPLAIN ANALYZE the insert takes 3.7 s,
 * its foreign key's per-row check on stations 2.1 s (a trigger per row; only a schema change
 * could make it one check per statement, as trips have) and the window over the rows 1.2 s.
 */
export async function writeHistory(
  client: ImportConnection,
  params: { systemId: string; importId: number },
): Promise<WrittenHistory> {
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
              lag(sn.n) over w is null
              or lag(sn.n) over w < sn.n - 1
              or (r.last_reported, r.bikes, r.ebikes, r.docks, r.docks_disabled,
                  r.bikes_disabled, r.is_installed, r.is_renting, r.is_returning)
                 is distinct from
                 (lag(r.last_reported) over w, lag(r.bikes) over w, lag(r.ebikes) over w,
                  lag(r.docks) over w, lag(r.docks_disabled) over w, lag(r.bikes_disabled) over w,
                  lag(r.is_installed) over w, lag(r.is_renting) over w, lag(r.is_returning) over w)
                as changed
         from status_rows r
         join status_file_snapshots sn using (poll_time)
        where r.reason is null and r.known
       window w as (partition by r.station_id order by r.poll_time, r.line)
     ),
     written as (
       insert into station_status (system_id, station_id, ts, last_reported, num_bikes_available,
                                   num_ebikes_available, num_docks_available, num_bikes_disabled,
                                   num_docks_disabled, is_installed, is_renting, is_returning)
       select $1, station_id, poll_time, last_reported, bikes, ebikes, docks, bikes_disabled,
              docks_disabled, is_installed, is_renting, is_returning
         from listed
        where changed
        order by poll_time, station_id
       on conflict (system_id, station_id, ts) do nothing
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
     select (select count(*) from listed)::integer as listed,
            (select count(*) from listed where changed)::integer as changed,
            (select count(*) from written)::integer as written,
            (select count(*) from listed where previous_n is null)::integer as stations,
            (select count(*) from absences)::integer as absences,
            (select count(*) from snapshots)::integer as snapshots`,
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
