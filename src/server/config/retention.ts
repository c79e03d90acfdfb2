/** What upkeep keeps; older rows are deleted by the leading console (see src/server/upkeep). */
export interface Retention {
  /** station_status partitions (whole months), status snapshots and closed absences. */
  statusMonths: number
  feedPollsDays: number
  crewHeartbeatsDays: number
  auditLogMonths: number
  /** Daily backups of the embedded database kept in `<data dir>/backups/`. */
  backups: number
}

/**
 * A depot's defaults: a year of status history and the same month of last year for comparison
 * (13 months); polls are a diagnostic (8,640 a day per feed at 10 s: 30 days is 260,000 rows);
 * heartbeats cover a quarter's crew reviews; the audit log two years, as a dispute may come late.
 */
export const DEFAULT_RETENTION: Retention = {
  statusMonths: 13,
  feedPollsDays: 30,
  crewHeartbeatsDays: 90,
  auditLogMonths: 24,
  backups: 7,
}
