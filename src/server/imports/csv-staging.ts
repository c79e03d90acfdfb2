import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom } from 'pg-copy-streams'
import type { ImportConnection } from './import-connection.js'

/**
 * A CSV file's first stop in the database: a temporary table of text columns that COPY fills,
 * PostgreSQL parsing the CSV. Each importer's own statements then cast, judge and write its rows.
 */

export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** The staging column of the i-th (0-based) column of the file: c1, c2, ... */
export function stagingColumn(index: number): string {
  return `c${index + 1}`
}

export function stagingColumns(count: number): string[] {
  return Array.from({ length: count }, (_, i) => stagingColumn(i))
}

/** The line in the file of staging row `s`, as a window expression over the whole table. */
export const STAGING_LINE = '(row_number() over (order by s.ctid) + 1)::integer'

/**
 * One text column per column of the file. A row's line in the file is its position in the
 * table (header: line 1; see STAGING_LINE): one COPY into a new temporary table writes its rows
 * in file order. An identity column for the line cost 20-40 ms of a trip month's 0.2 s COPY, so
 * trips, which need the line of a bad row only, number the rows when they need to; `numbered`
 * adds it, as `line`, for an importer that reads every row's (the status week: 0.4 s more COPY,
 * 1.7 s less casting than numbering the rows by a sort, on 2 loaded cores).
 */
export async function createStaging(
  client: ImportConnection,
  table: string,
  columnCount: number,
  options: { numbered?: boolean } = {},
): Promise<void> {
  const columns = stagingColumns(columnCount).map((column) => `${column} text`)
  if (options.numbered) columns.unshift('line integer generated always as identity (start 2)')
  await client.query(`create temp table ${table} (${columns.join(', ')}) on commit drop`)
}

/**
 * Streams the CSV into the staging table; PostgreSQL parses it (quotes, CRLF, the delimiter).
 * A row with the wrong number of fields, or a quote left open at the end of a cut-off file,
 * fails the COPY and with it the file: such a file is damaged, not merely holding bad values.
 */
export async function copyIntoStaging(
  client: ImportConnection,
  table: string,
  file: { columns: readonly string[]; delimiter: string },
  csv: Readable,
): Promise<number> {
  const columns = stagingColumns(file.columns.length).join(', ')
  const copy = client.query(
    copyFrom(
      `copy ${table} (${columns}) from stdin with (format csv, header true, delimiter ${literal(file.delimiter)})`,
    ),
  )
  await pipeline(csv, copy)
  return copy.rowCount
}

/** PostgreSQL's errors for rows that cannot be a CSV's: the file is damaged or cut off. */
const DAMAGED_FILE = new Set(['22P04', '22P02', '22021'])

export type CopyFailure = { damaged: true; detail: string } | { damaged: false; message: string }

/**
 * What a failed COPY says about the file. PostgreSQL names a line ("COPY trip_staging, line
 * 14647: ..."): a file whose rows are broken is said to be damaged, at that line. Anything else
 * (a stream failure, such as a truncated gzip or an unreadable zip, arrives as its own error) is
 * its message, for the importer to say. With `columns`, the file's own column names stand for
 * the staging table's (c1, c2, ...).
 */
export function describeCopyFailure(
  fileName: string,
  error: unknown,
  columns?: readonly string[],
): CopyFailure {
  const pgError = error as { code?: string; where?: string; message: string }
  const line = /line (\d+)/.exec(pgError.where ?? '')?.[1]
  const message = columns
    ? pgError.message.replace(
        /column "c(\d+)"/,
        (whole, index: string) => `column "${columns[Number(index) - 1] ?? whole}"`,
      )
    : pgError.message
  if (DAMAGED_FILE.has(pgError.code ?? '')) {
    return {
      damaged: true,
      detail: `${fileName}${line ? `, line ${line}` : ''}: ${message}; the file is damaged or cut off, so nothing was imported`,
    }
  }
  return { damaged: false, message }
}

/** PostgreSQL's SQLSTATE class 22: a value that does not fit its type. */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('22')
}

/**
 * Runs `pass` over the staged rows casting directly (the fast pass); if some value does not
 * parse, undoes it and runs it again testing before it casts (the careful pass). A clean file
 * pays for no tests at all.
 */
export async function fastThenCareful<T>(
  client: ImportConnection,
  pass: (careful: boolean) => Promise<T>,
): Promise<{ result: T; careful: boolean }> {
  await client.query('savepoint fast_pass')
  try {
    const result = await pass(false)
    await client.query('release savepoint fast_pass')
    return { result, careful: false }
  } catch (error) {
    if (!isDataException(error)) throw error
    await client.query('rollback to savepoint fast_pass')
    return { result: await pass(true), careful: true }
  }
}
