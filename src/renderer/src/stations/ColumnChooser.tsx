import { useEffect, useRef, useState, type RefObject } from 'react'
import { COLUMNS } from './columns'
import { SORT_KEYS, type SortKey } from './table-model'

/** Where the columns a dispatcher hid are kept between visits (this browser or window). */
export const HIDDEN_COLUMNS_KEY = 'balancer.stations.hiddenColumns'

function readHidden(): Set<SortKey> {
  try {
    const saved: unknown = JSON.parse(window.localStorage.getItem(HIDDEN_COLUMNS_KEY) ?? '[]')
    if (!Array.isArray(saved)) return new Set()
    return new Set(SORT_KEYS.filter((key) => key !== 'name' && saved.includes(key)))
  } catch {
    return new Set()
  }
}

/** The columns the dispatcher hid, remembered, and a way to show or hide one. */
export function useHiddenColumns(): [ReadonlySet<SortKey>, (key: SortKey, hide: boolean) => void] {
  const [hidden, setHidden] = useState<ReadonlySet<SortKey>>(readHidden)
  const toggle = (key: SortKey, hide: boolean) => {
    const next = new Set(hidden)
    if (hide) next.add(key)
    else next.delete(key)
    setHidden(next)
    try {
      window.localStorage.setItem(HIDDEN_COLUMNS_KEY, JSON.stringify([...next]))
    } catch {
      // A browser refusing storage still hides it for this visit.
    }
  }
  return [hidden, toggle]
}

/** The width of an element as laid out, following its changes; null before layout. */
export function useWidth(element: RefObject<HTMLElement | null>): number | null {
  const [width, setWidth] = useState<number | null>(null)
  const watched = useRef<{ node: HTMLElement; observer: ResizeObserver } | null>(null)
  // After every render: the element appears once the stations have loaded.
  useEffect(() => {
    const node = element.current
    if (watched.current?.node === node) return
    watched.current?.observer.disconnect()
    watched.current = null
    if (!node || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(([entry]) => {
      const next = entry ? Math.floor(entry.contentRect.width) : 0
      setWidth(next > 0 ? next : null)
    })
    observer.observe(node)
    watched.current = { node, observer }
  })
  useEffect(() => () => watched.current?.observer.disconnect(), [])
  return width
}

/** "Columns": which ones the table shows; those folded away for want of width are said so. */
export function ColumnChooser({
  hidden,
  folded,
  onToggle,
  implied,
}: {
  hidden: ReadonlySet<SortKey>
  folded: readonly SortKey[]
  onToggle: (key: SortKey, hide: boolean) => void
  /** Columns left out because the view says it once instead (one system: its name). */
  implied: readonly SortKey[]
}) {
  return (
    <details className="column-chooser">
      <summary className="button button-small button-quiet">Columns</summary>
      <fieldset className="column-chooser-menu">
        <legend className="visually-hidden">Columns shown</legend>
        {COLUMNS.filter((column) => column.key !== 'name').map((column) => (
          <label key={column.key} className="field-check">
            <input
              type="checkbox"
              checked={!hidden.has(column.key)}
              onChange={(event) => onToggle(column.key, !event.target.checked)}
            />
            {column.label}
            {!hidden.has(column.key) && implied.includes(column.key) && (
              <span className="hint"> (one system: in the title)</span>
            )}
            {!hidden.has(column.key) && folded.includes(column.key) && (
              <span className="hint"> (no room at this width)</span>
            )}
          </label>
        ))}
      </fieldset>
    </details>
  )
}
