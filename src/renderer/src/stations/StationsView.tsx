import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { StationLive } from '../../../shared/feeds'
import type { ConsoleClient } from '../api/client'
import { fillLevel, fillShare } from '../common/fill'
import { formatClock, formatFullTime, plural } from '../common/format'
import { nextSort } from '../common/sort'
import { SortHeader } from '../common/SortHeader'
import { SystemSelect, systemsByName } from '../common/SystemSelect'
import { Refreshing, StationsOr } from '../common/states'
import { useResource } from '../common/useResource'
import { movesFrom, NewMoveButton } from '../moves/NewMoveDialog'
import { openStation, stationHash } from '../shell/routes'
import { useKeys } from '../shell/shortcuts'
import type { ViewProps } from '../shell/view-props'
import { LevelChip } from './LevelChip'
import { StationFlags } from './StationFlags'
import {
  disabledOf,
  filterStations,
  firstDirection,
  isCritical,
  remembered,
  sortStations,
  stationRowKey,
  type StationSort,
  type SortKey,
  type StationFilter,
} from './table-model'

/** Every row is one line of this height, so the virtualizer needs no measuring. */
export const ROW_HEIGHT = 30

interface Column {
  key: SortKey
  label: string
  title?: string
  numeric?: boolean
  width: number
}

const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Station', width: 240 },
  { key: 'system', label: 'System', width: 96 },
  { key: 'region', label: 'Region', width: 60 },
  { key: 'bikes', label: 'Bikes', numeric: true, width: 60 },
  { key: 'ebikes', label: 'E-bikes', numeric: true, width: 66 },
  { key: 'docks', label: 'Docks', numeric: true, width: 60 },
  {
    key: 'disabled',
    label: 'Disabled',
    title: 'Bikes and docks out of service',
    numeric: true,
    width: 70,
  },
  { key: 'capacity', label: 'Capacity', numeric: true, width: 70 },
  { key: 'fill', label: 'Fill', title: 'Bikes as a share of capacity', width: 112 },
  {
    key: 'score',
    label: 'Score',
    title: "The seed's urgency: 70 for 2 bikes or fewer, 30 for 2 docks or fewer",
    numeric: true,
    width: 60,
  },
  { key: 'status', label: 'Status', width: 170 },
  { key: 'lastReported', label: 'Last reported', width: 110 },
]

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

function FillCell({ station }: { station: StationLive }) {
  const share = fillShare(station)
  if (share === null) return <span className="muted">—</span>
  const level = fillLevel(station)
  return (
    <span className={`fill-cell fill-level-${level}`}>
      <span className="fill-bar" aria-hidden="true">
        <span className="fill-bar-value" style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
      <span className="num">{Math.round(share * 100)}%</span>
    </span>
  )
}

function count(value: number | null) {
  return value === null ? <span className="muted">—</span> : value.toLocaleString()
}

function Row({ station, cursor }: { station: StationLive; cursor: boolean }) {
  const level = fillLevel(station)
  const disabled = disabledOf(station)
  return (
    <tr
      className={`station-row${cursor ? ' row-cursor' : ''}${station.stale ? ' row-stale' : ''}`}
      data-station-id={station.stationId}
      onClick={() => openStation(station)}
    >
      <td className="cell-name">
        <a
          href={stationHash(station)}
          className="station-link"
          title={`${station.name} · ${station.systemId} station ${station.stationId}`}
          onClick={(event) => event.stopPropagation()}
        >
          {station.name}
        </a>
        {station.shortName && <span className="cell-id">{station.shortName}</span>}
      </td>
      <td className="cell-text" title={station.systemId}>
        {station.systemName}
      </td>
      <td className="cell-text">{station.regionId ?? <span className="muted">—</span>}</td>
      <td className={`right num${level === 'empty' || level === 'low' ? ' num-alert' : ''}`}>
        {count(station.bikes)}
      </td>
      <td className="right num">{count(station.ebikes)}</td>
      <td className={`right num${level === 'full' || level === 'high' ? ' num-alert' : ''}`}>
        {count(station.docks)}
      </td>
      <td
        className="right num"
        title={
          disabled === null
            ? undefined
            : `${station.bikesDisabled ?? 0} bikes, ${station.docksDisabled ?? 0} docks`
        }
      >
        {disabled === 0 ? <span className="muted">0</span> : count(disabled)}
      </td>
      <td className="right num">{count(station.capacity)}</td>
      <td>
        <FillCell station={station} />
      </td>
      <td className="right num">
        {station.stale || station.score === null ? (
          <span className="muted">—</span>
        ) : station.score > 0 ? (
          <span className={`score score-${station.score >= 70 ? 'bad' : 'warn'}`}>
            {station.score}
          </span>
        ) : (
          <span className="muted">0</span>
        )}
      </td>
      <td className="cell-text">
        <StationFlags station={station} />
      </td>
      <td className="nowrap" title={formatFullTime(station.lastReported, station.timeZone)}>
        {formatClock(station.lastReported, station.timeZone)}
      </td>
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
  const regions = useMemo(() => {
    const ids = new Set<string>()
    for (const station of all ?? []) {
      if (station.regionId !== null && (!filter.systemId || station.systemId === filter.systemId)) {
        ids.add(station.regionId)
      }
    }
    return [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  }, [all, filter.systemId])
  const rows = useMemo(
    () => (all ? sortStations(filterStations(all, filter), sort) : []),
    [all, filter, sort],
  )
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
        <h1>Stations</h1>
        {all && (
          <span className="view-meta">
            {filtered
              ? `${rows.length.toLocaleString()} of ${plural(all.length, 'station')}`
              : plural(all.length, 'station')}
            {` · ${totals.critical.toLocaleString()} critical · ${totals.notLive.toLocaleString()} not live`}
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
              {regions.map((id) => (
                <option key={id} value={id}>
                  {id}
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
                    <col key={column.key} style={{ width: column.width }} />
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
                    return <Row key={key} station={station} cursor={key === cursor} />
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
