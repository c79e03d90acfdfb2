import { useMemo } from 'react'
import type { ReportStation, ServiceStation } from '../../../shared/service-levels'
import type { SortValue } from '../common/sort'
import { openStation, stationHash } from '../shell/routes'
import { amountColumn, SortTable, type Column } from './parts'
import { formatHours, formatMinutes, formatShare } from './service-data'
import { emptyOrFull, FIGURE_SORTS, STATION_SORTS } from './table-data'

/** A station by name, opening its page; the row around it opens it too. */
export function StationLink({
  systemId,
  stationId,
  name,
  title,
}: {
  systemId: string
  stationId: string
  name: string
  title?: string
}) {
  return (
    <a
      href={stationHash({ systemId, stationId })}
      className="station-link"
      title={title ?? `${name} · ${systemId} station ${stationId}`}
      onClick={(event) => event.stopPropagation()}
    >
      {name}
    </a>
  )
}

export const stationName = (row: { name: string }) => row.name

/** A table of a system's stations (or of clusters around them): keyed, tied and opened by station. */
export function stationRows(systemId: string) {
  return {
    rowKey: (row: { station_id: string }) => row.station_id,
    tie: stationName,
    onOpen: (row: { station_id: string }) => openStation({ systemId, stationId: row.station_id }),
  }
}

/** A station's figures; the range's table adds its cluster's outage. */
export function figureColumns(
  systemId: string,
): Column<ReportStation, keyof typeof FIGURE_SORTS>[] {
  return [
    {
      key: 'name',
      label: 'Station',
      width: '34%',
      clip: true,
      cell: (row) => <StationLink systemId={systemId} stationId={row.station_id} name={row.name} />,
    },
    amountColumn(
      {
        key: 'emptyOrFull',
        label: 'Empty + full',
        title: 'Hours with no bike to take or no dock to return to',
      },
      (row) => emptyOrFull(row),
      formatHours,
      true,
    ),
    amountColumn(
      { key: 'empty', label: 'Empty', title: 'Hours installed and renting with no usable bike' },
      (row) => row.minutes_empty,
      formatHours,
    ),
    amountColumn(
      { key: 'full', label: 'Full', title: 'Hours installed and returning with no operable dock' },
      (row) => row.minutes_full,
      formatHours,
    ),
    {
      key: 'unknown',
      label: 'Unknown',
      title: 'Service hours without a report',
      numeric: true,
      cell: (row) => <span className="muted">{formatHours(row.minutes_unknown)}</span>,
    },
    {
      key: 'availability1',
      label: 'Avail. 1+',
      title: 'Share of known minutes with at least 1 usable bike and 1 usable dock',
      numeric: true,
      cell: (row) => formatShare(row.availability_1),
    },
    {
      key: 'availability2',
      label: 'Avail. 2+',
      title: 'Share of known minutes with at least 2 usable bikes and 2 usable docks',
      numeric: true,
      cell: (row) => formatShare(row.availability_2),
    },
  ]
}

export function stationColumns(
  systemId: string,
): Column<ServiceStation, keyof typeof STATION_SORTS>[] {
  return [
    ...figureColumns(systemId),
    amountColumn(
      {
        key: 'outage',
        label: 'Outage',
        title:
          'Cluster outage: minutes beyond 10 in a row with no bike, or no dock, anywhere in the cluster around this station',
      },
      (row) => row.cluster_outage_minutes,
      formatMinutes,
    ),
  ]
}

type FigureKey = keyof typeof FIGURE_SORTS

/**
 * Stations, most hours empty or full first; a row opens its station. A day's report shows their
 * figures, a range adds each one's cluster outage: `columns` and `sorts` say which.
 */
export function StationsTable<Row extends ReportStation, K extends string>({
  label,
  systemId,
  stations,
  columns,
  sorts,
  limit,
}: {
  label: string
  systemId: string
  stations: readonly Row[]
  columns: (systemId: string) => Column<Row, K | FigureKey>[]
  sorts: Record<K | FigureKey, (row: Row) => SortValue>
  limit?: number
}) {
  const shown = useMemo(() => columns(systemId), [columns, systemId])
  return (
    <SortTable
      label={label}
      rows={stations}
      columns={shown}
      sorts={sorts}
      initialSort={{ key: 'emptyOrFull', direction: 'desc' }}
      limit={limit}
      noun="stations"
      {...stationRows(systemId)}
    />
  )
}
