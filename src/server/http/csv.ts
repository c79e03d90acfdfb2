import type { Request, Response } from 'express'
import { csvText, type CsvRow } from '../../shared/csv.js'

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
