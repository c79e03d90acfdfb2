/** How the console's tables sort: by one column, either way, equal rows always in one order. */

export type SortDirection = 'asc' | 'desc'
export interface Sort<K extends string> {
  key: K
  direction: SortDirection
}
export type SortValue = number | string | null

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/** Names as people read them: any case, and "Station 9" before "Station 10". */
export const compareNames = (a: string, b: string): number => collator.compare(a, b)

/**
 * Sorted by one value, rows without it last either way, ties by `tie` (a name): rows keep their
 * places when the numbers are loaded again.
 */
export function sortRows<Row>(
  rows: readonly Row[],
  value: (row: Row) => SortValue,
  direction: SortDirection,
  tie: (x: Row, y: Row) => number,
): Row[] {
  const sign = direction === 'asc' ? 1 : -1
  return rows
    .map((row) => ({ row, value: value(row) }))
    .sort((x, y) => {
      if (x.value === null || y.value === null) {
        if (x.value !== y.value) return x.value === null ? 1 : -1
      } else {
        const order =
          typeof x.value === 'number' && typeof y.value === 'number'
            ? x.value - y.value
            : compareNames(String(x.value), String(y.value))
        if (order !== 0) return sign * order
      }
      return tie(x.row, y.row)
    })
    .map(({ row }) => row)
}

/** A header clicked: its column again reverses the order, another column starts `first`. */
export function nextSort<K extends string>(sort: Sort<K>, key: K, first: SortDirection): Sort<K> {
  if (key === sort.key) return { key, direction: sort.direction === 'asc' ? 'desc' : 'asc' }
  return { key, direction: first }
}
