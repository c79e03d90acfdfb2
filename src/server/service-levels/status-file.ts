import { parse } from 'csv-parse/sync'
import { STATUS_COLUMNS, type StatusColumn } from '../gbfs/status-history-columns.js'

/**
 * The header of a recorded station_status history (../gbfs/status-history-columns.ts). The
 * columns are found by name, so a file may order them differently or carry more (those are kept
 * only in rejected rows).
 */
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
