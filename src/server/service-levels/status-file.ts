import { parse } from 'csv-parse/sync'
import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
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

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

/**
 * The station files saved beside a history: its first and last station_information (both,
 * first then last, so that the last names and positions win and stations of either are known),
 * else a plain station_information.json.
 */
export async function stationFilesBeside(historyPath: string): Promise<string[]> {
  const dir = dirname(historyPath)
  const firstAndLast = ['station_information_first.json', 'station_information_last.json'].map(
    (name) => join(dir, name),
  )
  const found: string[] = []
  for (const path of firstAndLast) if (await exists(path)) found.push(path)
  if (found.length > 0) return found
  const plain = join(dir, 'station_information.json')
  return (await exists(plain)) ? [plain] : []
}
