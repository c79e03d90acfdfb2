import type { Sort } from './sort'

/** A column's header that sorts the table: click it, or Tab to it and press Enter. */
export function SortHeader<K extends string>({
  column,
  width,
  sort,
  onSort,
}: {
  column: { key: K; label: string; title?: string; numeric?: boolean }
  /** Of the table, for a table laid out by its headers. */
  width?: string
  sort: Sort<K>
  onSort: (key: K) => void
}) {
  const active = sort.key === column.key
  return (
    <th
      className={column.numeric ? 'right' : undefined}
      style={width ? { width } : undefined}
      aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
      title={column.title}
    >
      <button
        type="button"
        className={`sort${active ? ' sort-active' : ''}`}
        onClick={() => onSort(column.key)}
      >
        {column.label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
      {/* What a printed table shows instead of the button (app.css: .report .sort-print). */}
      <span className="sort-print" aria-hidden="true">
        {column.label}
      </span>
    </th>
  )
}
