import { useMemo, useState, type ReactNode } from 'react'
import type { CsvRow } from '../../../shared/csv'
import { serviceCsvName, type TableName } from '../../../shared/service-csv'
import { compareNames, nextSort, sortRows, type Sort, type SortValue } from '../common/sort'
import { SortHeader } from '../common/SortHeader'
import { saveCsv } from './save-csv'
import { firstDirection } from './table-data'

/** Where status history comes from: the words of every empty Service state. */
export function WhereHistoryComesFrom() {
  return (
    <>
      Poll a feed, or import a recorded week with <code>balancer import-status FILE.csv.gz</code>.
    </>
  )
}

/**
 * Saves every row of one of the range's tables (not only those on screen), in a file named for
 * the table, the system and the days.
 */
export function ExportButton({
  what,
  table,
  answer,
  rows,
}: {
  /** "stations": the button's accessible name says which table it saves. */
  what: string
  table: TableName
  /** The answer the rows come from. */
  answer: { system_id: string; from: string; to: string }
  rows: () => readonly CsvRow[]
}) {
  const fileName = serviceCsvName(table, answer.system_id, answer)
  return (
    <button
      type="button"
      className="button button-small button-quiet"
      aria-label={`Export ${what} as CSV`}
      title={`Save every row as ${fileName}`}
      onClick={() => saveCsv(fileName, rows())}
    >
      Export CSV
    </button>
  )
}

export interface Column<Row, K extends string> {
  key: K
  label: string
  /** What the header means, on hover. */
  title?: string
  numeric?: boolean
  /** Of the table, for the columns of names: the figures share what is left evenly. */
  width?: string
  /** One line, cut with an ellipsis (a name; its link's title says it whole). */
  clip?: boolean
  cell: (row: Row) => ReactNode
}

/**
 * A table whose headers sort it (click, or Tab to a header and Enter; again reverses), showing
 * the first `limit` rows until asked for all.
 */
export function SortTable<Row, K extends string>({
  label,
  rows,
  columns,
  sorts,
  initialSort,
  rowKey,
  tie,
  limit,
  noun,
  onOpen,
  foot,
}: {
  label: string
  rows: readonly Row[]
  columns: readonly Column<Row, K>[]
  sorts: Record<K, (row: Row) => SortValue>
  initialSort: Sort<K>
  rowKey: (row: Row) => string
  /** Equal rows are ordered by this (a name), so they keep their places. */
  tie: (row: Row) => string
  limit?: number
  /** "stations": what "Show all 517 stations" counts. */
  noun: string
  /** A row that opens something (a station): clicked anywhere, or through its link. */
  onOpen?: (row: Row) => void
  foot?: ReactNode
}) {
  const [sort, setSort] = useState(initialSort)
  const [all, setAll] = useState(false)
  const sorted = useMemo(
    () => sortRows(rows, sorts[sort.key], sort.direction, (x, y) => compareNames(tie(x), tie(y))),
    [rows, sorts, sort, tie],
  )
  const cut = limit !== undefined && !all && sorted.length > limit
  const shown = cut ? sorted.slice(0, limit) : sorted
  const onSort = (key: K) => {
    const sample = rows.map(sorts[key]).find((value) => value !== null) ?? null
    setSort(nextSort(sort, key, firstDirection(sample)))
  }
  const table = (
    <table className="table table-rows service-table sort-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => (
            <SortHeader
              key={column.key}
              column={column}
              width={column.width}
              sort={sort}
              onSort={onSort}
            />
          ))}
        </tr>
      </thead>
      <tbody>
        {shown.map((row) => (
          <tr
            key={rowKey(row)}
            className={onOpen ? 'station-row' : undefined}
            onClick={onOpen ? () => onOpen(row) : undefined}
          >
            {columns.map((column, i) => (
              <td
                key={column.key}
                className={
                  column.numeric
                    ? 'right num'
                    : [i === 0 && 'cell-name', column.clip && 'cell-clip']
                        .filter(Boolean)
                        .join(' ') || undefined
                }
              >
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
      {foot && <tfoot>{foot}</tfoot>}
    </table>
  )
  return (
    <>
      {all && limit !== undefined && sorted.length > limit ? (
        <div className="service-scroll">{table}</div>
      ) : (
        table
      )}
      {limit !== undefined && sorted.length > limit && (
        <div className="table-more">
          <span className="muted">
            {all
              ? `All ${sorted.length.toLocaleString()} ${noun}`
              : `The first ${limit} of ${sorted.length.toLocaleString()} ${noun}`}
          </span>
          <button type="button" className="link-button" onClick={() => setAll(!all)}>
            {all ? `Show the first ${limit}` : `Show all ${sorted.length.toLocaleString()}`}
          </button>
        </div>
      )}
    </>
  )
}

/** A table's cell of a number that matters when it is above zero, quiet when it is zero. */
export function Amount({
  value,
  text,
  alert = false,
}: {
  value: number
  text: string
  alert?: boolean
}) {
  if (value === 0) return <span className="muted">{text}</span>
  return <span className={alert ? 'num-alert' : undefined}>{text}</span>
}

/** A column of one figure, as an Amount: muted at zero, in the alert colour when `alert`. */
export function amountColumn<Row, K extends string>(
  column: Omit<Column<Row, K>, 'cell' | 'numeric'>,
  value: (row: Row) => number,
  format: (value: number) => string = (figure) => figure.toLocaleString(),
  alert = false,
): Column<Row, K> {
  return {
    ...column,
    numeric: true,
    cell: (row) => <Amount value={value(row)} text={format(value(row))} alert={alert} />,
  }
}
