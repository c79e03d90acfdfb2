/** A CSV cell: empty for null, quoted when it holds a delimiter, a quote or a line break (RFC 4180). */
export function csvField(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export type CsvRow = readonly (string | number | boolean | null | undefined)[]

/**
 * Rows (the header first) as CSV text with CRLF line ends: what the API sends with
 * `Accept: text/csv` and what the console's export buttons save, so both give the same file.
 */
export function csvText(rows: readonly CsvRow[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/** A file name safe on every desktop: letters, digits, dots and dashes. */
export function csvFileName(name: string): string {
  return `${name.replace(/[^\w.-]+/g, '_')}.csv`
}
