import type { Request, Response } from 'express'
import { csvText, type CsvRow } from '../../shared/csv.js'
import type { CsvFile } from '../../shared/station-csv.js'

/** CSV when `format=csv` says so, else when the caller's Accept prefers text/csv to JSON. */
export function wantsCsv(req: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv'
  return req.accepts(['application/json', 'text/csv']) === 'text/csv'
}

/** Answers with rows (the header first) as a CSV attachment (`fileName` from csvFileName). */
export function sendCsv(res: Response, fileName: string, rows: readonly CsvRow[]): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8')
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`)
  res.send(csvText(rows))
}

/**
 * Where an operation's answer goes as CSV: the HTTP answer when the caller asked for CSV
 * (`?format=csv` or Accept), else null (JSON; and always over IPC).
 */
export function csvAnswer({
  http,
}: {
  http?: { req: Request; res: Response; query: unknown }
}): Response | null {
  if (!http) return null
  const { format } = (http.query ?? {}) as { format?: 'json' | 'csv' }
  return wantsCsv(http.req, format) ? http.res : null
}

/** The answer as JSON, or written as CSV by `write` when an HTTP caller asked for CSV. */
export function jsonOrCsv<T>(
  context: { http?: { req: Request; res: Response; query: unknown } },
  answer: T,
  write: (res: Response, answer: T) => void,
): T | undefined {
  const res = csvAnswer(context)
  if (!res) return answer
  write(res, answer)
  return undefined
}

/** Writes the CSV file `toCsv` makes of an answer (the console's Export buttons make the same). */
export function csvOf<T>(toCsv: (answer: T) => CsvFile): (res: Response, answer: T) => void {
  return (res, answer) => {
    const file = toCsv(answer)
    sendCsv(res, file.fileName, file.rows)
  }
}
