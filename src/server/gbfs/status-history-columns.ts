/** A station's status at a poll, as GBFS station_status names its fields. */
export const STATUS_FIELDS = [
  'last_reported',
  'num_bikes_available',
  'num_ebikes_available',
  'num_docks_available',
  'num_docks_disabled',
  'num_bikes_disabled',
  'is_installed',
  'is_renting',
  'is_returning',
] as const

/**
 * The columns of a recorded station_status history, as ../shared/data/status-history writes it:
 * one row per station per poll, the poll's time first. The replay feed (history.ts) and
 * `balancer import-status` read the same files.
 */
export const STATUS_COLUMNS = ['poll_time', 'station_id', ...STATUS_FIELDS] as const

export type StatusColumn = (typeof STATUS_COLUMNS)[number]
