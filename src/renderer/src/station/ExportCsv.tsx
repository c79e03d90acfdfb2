import type { CsvFile } from '../../../shared/station-csv'
import { saveCsv } from '../service/save-csv'

/**
 * Saves what a station panel shows as CSV, made in the page from the answer it already has (the
 * same file the API sends for `format=csv`), so it works on the desktop's IPC and in a browser.
 */
export function ExportCsv({ what, file }: { what: string; file: () => CsvFile }) {
  return (
    <button
      type="button"
      className="button button-small button-quiet"
      aria-label={`Export ${what} as CSV`}
      title={`Save the ${what} shown as a CSV file`}
      onClick={() => {
        const made = file()
        saveCsv(made.fileName, made.rows)
      }}
    >
      CSV
    </button>
  )
}
