import type { ReactNode } from 'react'
import type { StationLive } from '../../../shared/feeds'
import { fillLevel, fillShare } from '../common/fill'
import { formatClock, formatFullTime } from '../common/format'
import { stationHash } from '../shell/routes'
import { StationFlags } from './StationFlags'
import { disabledOf, expectedFailuresOf, type SortKey } from './table-model'

export interface Column {
  key: SortKey
  label: string
  title?: string
  numeric?: boolean
  /** Pixels; the station's name takes what the others leave (at least NAME_MIN). */
  width: number
  /** Folded first when the table is narrow: higher goes first. The name never folds. */
  fold: number
  cell: (station: StationLive) => ReactNode
  className?: (station: StationLive) => string
  cellTitle?: (station: StationLive) => string | undefined
}

/** The station's name column never narrows below this. */
export const NAME_MIN = 200

function count(value: number | null) {
  return value === null ? <span className="muted">—</span> : value.toLocaleString()
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

/** "3.2 expected failures in the next 3 h", for a live station the engine has numbers for. */
export function failuresTitle(station: StationLive): string | undefined {
  const failures = expectedFailuresOf(station)
  if (failures === null) return undefined
  const hours = (station.expectedFailuresHorizonMinutes ?? 180) / 60
  return `${failures.toFixed(1)} expected failures in the next ${hours.toLocaleString()} h`
}

/** The engine's expected failures when it has them, else the seed's 70/30 score. */
function UrgencyCell({ station }: { station: StationLive }) {
  const failures = expectedFailuresOf(station)
  if (failures !== null) {
    const tone = failures >= 2 ? 'bad' : failures >= 0.5 ? 'warn' : null
    const text = failures.toFixed(1)
    return tone ? (
      <span className={`score score-${tone}`}>{text}</span>
    ) : (
      <span className="muted">{text}</span>
    )
  }
  if (station.stale || station.score === null) return <span className="muted">—</span>
  if (station.score === 0) return <span className="muted">0</span>
  return (
    <span className={`score score-${station.score >= 70 ? 'bad' : 'warn'}`}>{station.score}</span>
  )
}

function NameCell({ station }: { station: StationLive }) {
  return (
    <>
      <a
        href={stationHash(station)}
        className="station-link"
        title={`${station.name} · ${station.systemName} station ${station.stationId}`}
        onClick={(event) => event.stopPropagation()}
      >
        {station.name}
      </a>
      {station.shortName && <span className="cell-id">{station.shortName}</span>}
    </>
  )
}

const alertWhen = (levels: string[]) => (station: StationLive) =>
  `right num${levels.includes(fillLevel(station)) ? ' num-alert' : ''}`

/** The table's columns in the order shown. */
export const COLUMNS: readonly Column[] = [
  {
    key: 'name',
    label: 'Station',
    width: NAME_MIN,
    fold: 0,
    cell: (station) => <NameCell station={station} />,
    className: () => 'cell-name',
  },
  {
    key: 'system',
    label: 'System',
    width: 96,
    fold: 9,
    cell: (station) => station.systemName,
    className: () => 'cell-text',
    cellTitle: (station) => station.systemId,
  },
  {
    key: 'region',
    label: 'Region',
    width: 110,
    fold: 6,
    cell: (station) => station.regionName ?? station.regionId ?? <span className="muted">—</span>,
    className: () => 'cell-text',
    cellTitle: (station) => (station.regionId ? `region ${station.regionId}` : undefined),
  },
  {
    key: 'bikes',
    label: 'Bikes',
    numeric: true,
    width: 56,
    fold: 0,
    cell: (station) => count(station.bikes),
    className: alertWhen(['empty', 'low']),
  },
  {
    key: 'ebikes',
    label: 'E-bikes',
    numeric: true,
    width: 64,
    fold: 5,
    cell: (station) => count(station.ebikes),
    className: () => 'right num',
  },
  {
    key: 'docks',
    label: 'Docks',
    numeric: true,
    width: 56,
    fold: 0,
    cell: (station) => count(station.docks),
    className: alertWhen(['full', 'high']),
  },
  {
    key: 'disabled',
    label: 'Disabled',
    title: 'Bikes and docks out of service',
    numeric: true,
    width: 70,
    fold: 8,
    cell: (station) => {
      const disabled = disabledOf(station)
      return disabled === 0 ? <span className="muted">0</span> : count(disabled)
    },
    className: () => 'right num',
    cellTitle: (station) =>
      disabledOf(station) === null
        ? undefined
        : `${station.bikesDisabled ?? 0} bikes, ${station.docksDisabled ?? 0} docks`,
  },
  {
    key: 'capacity',
    label: 'Capacity',
    numeric: true,
    width: 70,
    fold: 7,
    cell: (station) => count(station.capacity),
    className: () => 'right num',
  },
  {
    key: 'fill',
    label: 'Fill',
    title: 'Bikes as a share of capacity',
    width: 104,
    fold: 3,
    cell: (station) => <FillCell station={station} />,
  },
  {
    key: 'score',
    label: 'Urgency',
    title:
      'Most urgent first: the rentals and returns the engine expects to fail at the station over the next hours from its count now (its demand model); for a system with no model yet, the fewest bikes or free docks (empty before full), then the seed’s score (70: 2 bikes or fewer, 30: 2 docks or fewer)',
    numeric: true,
    width: 72,
    fold: 1,
    cell: (station) => <UrgencyCell station={station} />,
    className: () => 'right num',
    cellTitle: failuresTitle,
  },
  {
    key: 'status',
    label: 'Status',
    width: 150,
    fold: 4,
    cell: (station) => <StationFlags station={station} />,
    className: () => 'cell-text',
  },
  {
    key: 'lastReported',
    label: 'Last reported',
    width: 104,
    fold: 2,
    cell: (station) => formatClock(station.lastReported, station.timeZone),
    className: () => 'nowrap',
    cellTitle: (station) => formatFullTime(station.lastReported, station.timeZone),
  },
]

/**
 * The columns that fit `width` pixels, leaving out those the dispatcher hid: the others are
 * folded away highest `fold` first until the rest fit beside the name. `width` null (not laid
 * out yet, or a test without layout) keeps every chosen column.
 */
export function columnsFor(
  width: number | null,
  hidden: ReadonlySet<SortKey>,
): { shown: Column[]; folded: SortKey[] } {
  const chosen = COLUMNS.filter((column) => !hidden.has(column.key))
  if (width === null) return { shown: chosen, folded: [] }
  const folded = new Set<SortKey>()
  const total = () =>
    chosen.filter((c) => !folded.has(c.key)).reduce((sum, column) => sum + column.width, 0)
  const byFold = [...chosen].filter((c) => c.fold > 0).sort((a, b) => b.fold - a.fold)
  for (const column of byFold) {
    if (total() <= width) break
    folded.add(column.key)
  }
  return { shown: chosen.filter((c) => !folded.has(c.key)), folded: [...folded] }
}
