import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { StationLive } from '../../../shared/feeds'
import type { ConsoleClient } from '../api/client'
import { plural } from '../common/format'
import { nextSort } from '../common/sort'
import { SortHeader } from '../common/SortHeader'
import { SystemSelect, systemsByName } from '../common/SystemSelect'
import { Refreshing, StationsOr } from '../common/states'
import { useResource } from '../common/useResource'
import { movesFrom, NewMoveButton } from '../moves/NewMoveDialog'
import { openStation } from '../shell/routes'
import { useKeys } from '../shell/shortcuts'
import type { ViewProps } from '../shell/view-props'
import { ColumnChooser, useHiddenColumns, useWidth } from './ColumnChooser'
import { columnsFor, type Column } from './columns'
import { LevelChip } from './LevelChip'
import { saveStationsCsv } from './stations-csv'
import {
  filterStations,
  firstDirection,
  isCritical,
  remembered,
  sortStations,
  urgencyBasis,
  stationRowKey,
  type StationSort,
  type SortKey,
  type StationFilter,
} from './table-model'

/** Every row is one line of this height, so the virtualizer needs no measuring. */
export const ROW_HEIGHT = 30

export { forgetStationsTable } from './table-model'

/** For the benchmark and the curious: when stations arrived and when the table showed them. */
function mark(name: string): void {
  performance.clearMarks(name)
  performance.mark(name)
}

function loadStations(client: ConsoleClient): Promise<StationLive[]> {
  return client.invoke('feeds:stations', {}).then((stations) => {
    mark('stations:data')
    return stations
  })
}

function Row({
  station,
  cursor,
  columns,
}: {
  station: StationLive
  cursor: boolean
  columns: readonly Column[]
}) {
  return (
    <tr
      className={`station-row${cursor ? ' row-cursor' : ''}${station.stale ? ' row-stale' : ''}`}
      data-station-id={station.stationId}
      onClick={() => openStation(station)}
    >
      {columns.map((column) => (
        <td
          key={column.key}
          className={column.className?.(station)}
          title={column.cellTitle?.(station)}
        >
          {column.cell(station)}
        </td>
      ))}
    </tr>
  )
}

/** Every station with its numbers, sorted and filtered, live, in a table that renders only what is on screen. */
export function StationsView({ client, session, keysEnabled }: ViewProps) {
  const load = useCallback(() => loadStations(client), [client])
  const stations = useResource(client, load, { events: ['stations:changed', 'app:resync'] })
  const [sort, setSortState] = useState<StationSort>(remembered.sort)
  const [filter, setFilterState] = useState<StationFilter>(remembered.filter)
  const [cursor, setCursorState] = useState<string | null>(remembered.cursor)
  const scroller = useRef<HTMLDivElement>(null)
  const search = useRef<HTMLInputElement>(null)
  const [hidden, toggleColumn] = useHiddenColumns()
  const width = useWidth(scroller)

  const setSort = (next: StationSort) => {
    remembered.sort = next
    setSortState(next)
  }
  const setFilter = (change: Partial<StationFilter>) => {
    setFilterState((current) => {
      const next = { ...current, ...change }
      remembered.filter = next
      return next
    })
  }
  const setCursor = (key: string | null) => {
    remembered.cursor = key
    setCursorState(key)
  }

  const all = stations.data
  const systems = useMemo(
    () => systemsByName((all ?? []).map((station) => [station.systemId, station.systemName])),
    [all],
  )
  // The regions of the stations in view, by name where the feed's system_regions gives one.
  const regions = useMemo(() => {
    const names = new Map<string, string>()
    for (const station of all ?? []) {
      if (station.regionId !== null && (!filter.systemId || station.systemId === filter.systemId)) {
        names.set(station.regionId, station.regionName ?? station.regionId)
      }
    }
    return [...names].sort((a, b) => a[1].localeCompare(b[1], undefined, { numeric: true }))
  }, [all, filter.systemId])
  const { rows, basis } = useMemo(() => {
    const kept = all ? filterStations(all, filter) : []
    const basis = urgencyBasis(kept)
    return { rows: sortStations(kept, sort, basis), basis }
  }, [all, filter, sort])
  // One system in view: its name once, in the title, not on every row.
  const oneSystem =
    filter.systemId !== ''
      ? (systems.find(([id]) => id === filter.systemId)?.[1] ?? filter.systemId)
      : systems.length === 1
        ? (systems[0]?.[1] ?? null)
        : null
  const implied: SortKey[] = oneSystem ? ['system'] : []
  const { shown: COLUMNS, folded } = columnsFor(width, new Set([...hidden, ...implied]))
  const totals = useMemo(() => {
    let critical = 0
    let notLive = 0
    for (const station of all ?? []) {
      if (isCritical(station)) critical += 1
      if (station.stale) notLive += 1
    }
    return { critical, notLive }
  }, [all])

  // The console does not use the React Compiler, whose memoising this hook's API defeats.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialOffset: remembered.scrollTop,
    // Before the first layout (and in tests without one) assume a window's worth of rows.
    initialRect: { width: 1200, height: 720 },
  })

  useEffect(() => {
    if (all) mark('stations:rendered')
  }, [all, rows])

  const onSort = (key: SortKey) => setSort(nextSort(sort, key, firstDirection(key)))

  const cursorIndex = cursor === null ? -1 : rows.findIndex((row) => stationRowKey(row) === cursor)
  const moveCursor = (by: number) => {
    if (rows.length === 0) return
    const index = Math.max(0, Math.min(rows.length - 1, (cursorIndex < 0 ? -1 : cursorIndex) + by))
    const row = rows[index]
    if (!row) return
    setCursor(stationRowKey(row))
    virtualizer.scrollToIndex(index, { align: 'auto' })
  }
  useKeys(
    {
      j: () => moveCursor(1),
      k: () => moveCursor(-1),
      ArrowDown: () => moveCursor(1),
      ArrowUp: () => moveCursor(-1),
      Enter: () => {
        const row = rows[cursorIndex]
        if (row) openStation(row)
      },
      '/': () => search.current?.focus(),
      c: () => setFilter({ criticalOnly: !filter.criticalOnly }),
    },
    keysEnabled,
  )

  const items = virtualizer.getVirtualItems()
  const top = items[0]?.start ?? 0
  const bottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0)
  const filtered = rows.length !== (all?.length ?? 0)
  return (
    <section className="view view-fill">
      <header className="view-header">
        <h1>{oneSystem ? `Stations · ${oneSystem}` : 'Stations'}</h1>
        {all && (
          <span className="view-meta">
            {filtered
              ? `${rows.length.toLocaleString()} of ${plural(all.length, 'station')}`
              : plural(all.length, 'station')}
            {` · ${totals.critical.toLocaleString()} critical · ${totals.notLive.toLocaleString()} not live`}
            {sort.key === 'score' &&
              (basis === 'failures'
                ? ' · most urgent by expected failures'
                : ' · most urgent by how empty or full (no demand model yet)')}
          </span>
        )}
        <div className="view-actions">
          <label className="field">
            <span className="visually-hidden">Search stations</span>
            <input
              ref={search}
              type="search"
              placeholder="Search name or id  ( / )"
              value={filter.text}
              onChange={(event) => setFilter({ text: event.target.value })}
              onKeyDown={(event) => {
                if (event.key === 'Escape') event.currentTarget.blur()
              }}
            />
          </label>
          <SystemSelect
            systems={systems}
            value={filter.systemId}
            none="All"
            onChange={(systemId) => setFilter({ systemId, regionId: '' })}
          />
          <label className="field">
            Region
            <select
              value={filter.regionId}
              onChange={(event) => setFilter({ regionId: event.target.value })}
              disabled={regions.length === 0}
            >
              <option value="">All</option>
              {regions.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-check">
            <input
              type="checkbox"
              checked={filter.criticalOnly}
              onChange={(event) => setFilter({ criticalOnly: event.target.checked })}
            />
            Only critical
          </label>
          {filter.level && (
            <LevelChip level={filter.level} onClear={() => setFilter({ level: '' })} />
          )}
          <NewMoveButton client={client} session={session} ends={movesFrom(rows, cursor)} />
          <ColumnChooser
            hidden={hidden}
            folded={folded}
            implied={implied}
            onToggle={toggleColumn}
          />
          <button
            type="button"
            className="button button-small button-quiet"
            disabled={rows.length === 0}
            title="Save every station the filters leave (all columns, not only those on screen)"
            onClick={() => saveStationsCsv(rows, filter.systemId)}
          >
            Export CSV
          </button>
        </div>
        <Refreshing active={stations.loading && all !== null} />
      </header>
      <StationsOr stations={stations}>
        {() => (
          <div className="panel panel-fill">
            <div
              className="table-scroll"
              ref={scroller}
              onScroll={(event) => {
                remembered.scrollTop = event.currentTarget.scrollTop
              }}
            >
              <table
                className="table table-rows table-fixed stations-table"
                aria-rowcount={rows.length}
              >
                <colgroup>
                  {COLUMNS.map((column) => (
                    // The name takes the width the others leave.
                    <col
                      key={column.key}
                      style={column.key === 'name' ? undefined : { width: column.width }}
                    />
                  ))}
                </colgroup>
                <thead>
                  <tr>
                    {COLUMNS.map((column) => (
                      <SortHeader key={column.key} column={column} sort={sort} onSort={onSort} />
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {top > 0 && (
                    <tr className="spacer" aria-hidden="true">
                      <td colSpan={COLUMNS.length} style={{ height: top }} />
                    </tr>
                  )}
                  {items.map((item) => {
                    const station = rows[item.index]
                    if (!station) return null
                    const key = stationRowKey(station)
                    return (
                      <Row key={key} station={station} cursor={key === cursor} columns={COLUMNS} />
                    )
                  })}
                  {bottom > 0 && (
                    <tr className="spacer" aria-hidden="true">
                      <td colSpan={COLUMNS.length} style={{ height: bottom }} />
                    </tr>
                  )}
                </tbody>
              </table>
              {rows.length === 0 && (
                <div className="table-empty">
                  No station matches{filter.text ? ` “${filter.text}”` : ''}
                  {filter.criticalOnly ? ' among the critical ones' : ''}.
                </div>
              )}
            </div>
          </div>
        )}
      </StationsOr>
    </section>
  )
}
