import { parse } from 'csv-parse/sync'

/**
 * A recorded station_status history, as ../shared/data/status-history writes it: one row per
 * station per poll, the poll's time first. The columns are found by name, so a file may order
 * them differently or carry more (those are kept only in rejected rows).
 */
export const STATUS_COLUMNS = [
  'poll_time',
  'station_id',
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

export type StatusColumn = (typeof STATUS_COLUMNS)[number]

export interface StatusFileHeader {
  /** The header's columns as the file spells them (trimmed, lower case). */
  columns: string[]
  /** The 0-based position of each status column in the file. */
  positions: Record<StatusColumn, number>
}

/** A first line that is not a status history's header; the message names what is missing. */
export class StatusHeaderError extends Error {
  override name = 'StatusHeaderError'
}

/** Reads the header line (quoted or not, with or without a byte-order mark). */
export function detectStatusHeader(firstLine: string): StatusFileHeader {
  let columns: string[]
  try {
    const rows: string[][] = parse(firstLine, { bom: true, relax_column_count: true })
    columns = (rows[0] ?? []).map((column) => column.trim().toLowerCase())
  } catch (error) {
    throw new StatusHeaderError(`the header line is not CSV: ${(error as Error).message}`)
  }
  const missing = STATUS_COLUMNS.filter((column) => !columns.includes(column))
  if (missing.length > 0) {
    throw new StatusHeaderError(
      `not a station_status history: the header lacks ${missing.join(', ')} (expected ${STATUS_COLUMNS.join(',')})`,
    )
  }
  const duplicate = columns.find((column, index) => columns.indexOf(column) !== index)
  if (duplicate !== undefined) {
    throw new StatusHeaderError(`the header names column "${duplicate}" twice`)
  }
  const positions = Object.fromEntries(
    STATUS_COLUMNS.map((column) => [column, columns.indexOf(column)]),
  ) as Record<StatusColumn, number>
  return { columns, positions }
}
