import { csvText, type CsvRow } from '../../../shared/csv'

/**
 * Saves rows as a CSV file through the browser's own download (the desktop window asks where):
 * nothing goes to the server, so an analyst's export works whatever the API allows.
 */
export function saveCsv(fileName: string, rows: readonly CsvRow[]): void {
  const url = URL.createObjectURL(new Blob([csvText(rows)], { type: 'text/csv;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // The download has its own reference by then; a second keeps slow machines safe.
  setTimeout(() => URL.revokeObjectURL(url), 1_000)
}
