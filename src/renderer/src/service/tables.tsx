import type {
  ClusterMember,
  CrewPerformance,
  ReportStation,
  ServiceCluster,
  ServiceCrews,
  ServiceStation,
  TaskEffect,
} from '../../../shared/service-levels'
import { useMemo } from 'react'
import { formatClock, formatFullTime } from '../common/format'
import type { SortValue } from '../common/sort'
import { openStation, stationHash } from '../shell/routes'
import { Amount, SortTable, type Column } from './parts'
import {
  formatDollars,
  formatHours,
  formatMinutes,
  formatShare,
  formatSpan,
  oneDecimal,
} from './service-data'
import {
  CLUSTER_SORTS,
  CREW_SORTS,
  EFFECT_SORTS,
  emptyOrFull,
  FIGURE_SORTS,
  STATION_SORTS,
} from './table-data'
import { DURATION_STEPS } from '../../../shared/service-csv'

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

const distance = (meters: number) => `${Math.round(meters)} m`

/** The nearest members by name; a downtown cluster of 15 says how many more and lists them on hover. */
const MEMBERS_SHOWN = 3

function Members({ systemId, members }: { systemId: string; members: readonly ClusterMember[] }) {
  if (members.length === 0) return <span className="muted">none within reach</span>
  const shown = members.slice(0, MEMBERS_SHOWN)
  const more = members.length - shown.length
  return (
    <span className="members">
      {shown.map((member, i) => (
        <span key={member.station_id}>
          <StationLink
            systemId={systemId}
            stationId={member.station_id}
            name={member.name}
            title={`${member.name}: ${distance(member.distance_meters)} away`}
          />
          {i < shown.length - 1 && ', '}
        </span>
      ))}
      {more > 0 && (
        <span
          className="muted"
          title={members
            .slice(MEMBERS_SHOWN)
            .map((member) => `${member.name} (${distance(member.distance_meters)})`)
            .join('\n')}
        >
          {' '}
          and {more} more
        </span>
      )}
    </span>
  )
}

const stationName = (row: { name: string }) => row.name
const crewName = (row: CrewPerformance) => row.name
export const taskName = (row: TaskEffect) => String(row.task_id).padStart(12, '0')

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
    {
      key: 'emptyOrFull',
      label: 'Empty + full',
      title: 'Hours with no bike to take or no dock to return to',
      numeric: true,
      cell: (row) => <Amount value={emptyOrFull(row)} text={formatHours(emptyOrFull(row))} alert />,
    },
    {
      key: 'empty',
      label: 'Empty',
      title: 'Hours installed and renting with no usable bike',
      numeric: true,
      cell: (row) => <Amount value={row.minutes_empty} text={formatHours(row.minutes_empty)} />,
    },
    {
      key: 'full',
      label: 'Full',
      title: 'Hours installed and returning with no operable dock',
      numeric: true,
      cell: (row) => <Amount value={row.minutes_full} text={formatHours(row.minutes_full)} />,
    },
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
    {
      key: 'outage',
      label: 'Outage',
      title:
        'Cluster outage: minutes beyond 10 in a row with no bike, or no dock, anywhere in the cluster around this station',
      numeric: true,
      cell: (row) => (
        <Amount
          value={row.cluster_outage_minutes}
          text={formatMinutes(row.cluster_outage_minutes)}
        />
      ),
    },
  ]
}

function clusterColumns(systemId: string): Column<ServiceCluster, keyof typeof CLUSTER_SORTS>[] {
  return [
    {
      key: 'name',
      label: 'Around',
      width: '20%',
      clip: true,
      title: 'The station the cluster is drawn around',
      cell: (row) => <StationLink systemId={systemId} stationId={row.station_id} name={row.name} />,
    },
    {
      key: 'members',
      label: 'With',
      width: '27%',
      title: 'The other stations within a third of a mile (or the 3 nearest), nearest first',
      cell: (row) => <Members systemId={systemId} members={row.members} />,
    },
    {
      key: 'outage',
      label: 'Outage',
      title: 'Minutes beyond 10 in a row with no bike, or no dock, in the whole cluster',
      numeric: true,
      cell: (row) => (
        <Amount value={row.outage_minutes} text={formatMinutes(row.outage_minutes)} alert />
      ),
    },
    {
      key: 'dollars',
      label: 'Cost',
      title: '$1 for each outage minute',
      numeric: true,
      cell: (row) => <Amount value={row.outage_dollars} text={formatDollars(row.outage_dollars)} />,
    },
    {
      key: 'episodes',
      label: 'Outages',
      title: 'Outages longer than 10 minutes',
      numeric: true,
      cell: (row) => <Amount value={row.episodes} text={row.episodes.toLocaleString()} />,
    },
    {
      key: 'longest',
      label: 'Longest',
      numeric: true,
      cell: (row) => (
        <Amount value={row.longest_minutes} text={formatMinutes(row.longest_minutes)} />
      ),
    },
    {
      key: 'outEmpty',
      label: 'No bike',
      title: 'Minutes out because no station of the cluster had a usable bike (all of them)',
      numeric: true,
      cell: (row) => (
        <Amount value={row.minutes_out_empty} text={formatMinutes(row.minutes_out_empty)} />
      ),
    },
    {
      key: 'outFull',
      label: 'No dock',
      title: 'Minutes out because none had an operable dock (all of them)',
      numeric: true,
      cell: (row) => (
        <Amount value={row.minutes_out_full} text={formatMinutes(row.minutes_out_full)} />
      ),
    },
  ]
}

const CREW_COLUMNS: Column<CrewPerformance, keyof typeof CREW_SORTS>[] = [
  {
    key: 'name',
    label: 'Crew',
    width: '22%',
    cell: (row) => (
      <span className="nowrap" title={row.crew_id}>
        <span className="strong">{row.name}</span>
        {row.name !== row.crew_id && <span className="cell-id">{row.crew_id}</span>}
      </span>
    ),
  },
  {
    key: 'claimed',
    label: 'Claimed',
    numeric: true,
    cell: (row) => row.claimed.toLocaleString(),
  },
  {
    key: 'completed',
    label: 'Completed',
    numeric: true,
    cell: (row) => row.completed.toLocaleString(),
  },
  {
    key: 'released',
    label: 'Released',
    title: 'Given back to the queue',
    numeric: true,
    cell: (row) => <Amount value={row.released} text={row.released.toLocaleString()} />,
  },
  {
    key: 'canceled',
    label: 'Canceled',
    title: 'Canceled while this crew held them',
    numeric: true,
    cell: (row) => <Amount value={row.canceled} text={row.canceled.toLocaleString()} />,
  },
  {
    key: 'bikes',
    label: 'Bikes moved',
    numeric: true,
    cell: (row) => row.bikes_moved.toLocaleString(),
  },
  {
    key: 'hours',
    label: 'On shift',
    title: 'Holding a task, or sending heartbeats at most 15 minutes apart',
    numeric: true,
    cell: (row) => `${oneDecimal(row.hours_on_shift)} h`,
  },
  {
    key: 'rate',
    label: 'Bikes / h',
    title: 'Bikes moved per hour on shift',
    numeric: true,
    cell: (row) => (row.bikes_per_hour === null ? '—' : oneDecimal(row.bikes_per_hour)),
  },
  {
    key: 'median',
    label: 'Claim → done',
    title: 'Median time from claiming a task to completing it',
    numeric: true,
    cell: (row) => formatSpan(row.claim_to_completion.median_minutes),
  },
]

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
      rowKey={(row) => row.station_id}
      tie={stationName}
      limit={limit}
      noun="stations"
      onOpen={(row) => openStation({ systemId, stationId: row.station_id })}
    />
  )
}

/** Clusters, most outage minutes first; a row opens the station the cluster is drawn around. */
export function ClustersTable({
  label,
  systemId,
  clusters,
  limit,
}: {
  label: string
  systemId: string
  clusters: readonly ServiceCluster[]
  limit?: number
}) {
  const columns = useMemo(() => clusterColumns(systemId), [systemId])
  return (
    <SortTable
      label={label}
      rows={clusters}
      columns={columns}
      sorts={CLUSTER_SORTS}
      initialSort={{ key: 'outage', direction: 'desc' }}
      rowKey={(row) => row.station_id}
      tie={stationName}
      limit={limit}
      noun="clusters"
      onOpen={(row) => openStation({ systemId, stationId: row.station_id })}
    />
  )
}

/** The crews that held a task, most bikes moved first. */
export function CrewsTable({ crews }: { crews: readonly CrewPerformance[] }) {
  return (
    <SortTable
      label="Crews"
      rows={crews}
      columns={CREW_COLUMNS}
      sorts={CREW_SORTS}
      initialSort={{ key: 'bikes', direction: 'desc' }}
      rowKey={(row) => row.crew_id}
      tie={crewName}
      noun="crews"
    />
  )
}

/** The three waits in a task's life, median and 90th percentile. */
export function DurationsTable({ durations }: { durations: ServiceCrews['durations'] }) {
  return (
    <table className="table service-table" aria-label="Task durations">
      <thead>
        <tr>
          <th>Step</th>
          <th className="right">Median</th>
          <th className="right">90th percentile</th>
          <th className="right">Tasks</th>
        </tr>
      </thead>
      <tbody>
        {DURATION_STEPS.map((step) => {
          const stats = durations[step.key]
          return (
            <tr key={step.key}>
              <td className="cell-name">{step.label}</td>
              <td className="right num">{formatSpan(stats.median_minutes)}</td>
              <td className="right num">{formatSpan(stats.p90_minutes)}</td>
              <td className="right num">{stats.count.toLocaleString()}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** "45 → 5 min", green when the minutes went down, red when up. */
export function BeforeAfter({ before, after }: { before: number; after: number }) {
  const change = Math.round(after) - Math.round(before)
  const tone = change < 0 ? 'change-better' : change > 0 ? 'change-worse' : 'muted'
  return (
    <span
      className={tone}
      title={`${oneDecimal(before)} min before, ${oneDecimal(after)} min after`}
    >
      {Math.round(before).toLocaleString()} → {Math.round(after).toLocaleString()} min
    </span>
  )
}

export function effectColumns(
  systemId: string,
  timeZone: string,
): Column<TaskEffect, keyof typeof EFFECT_SORTS>[] {
  return [
    {
      key: 'task',
      label: 'Task',
      width: '6%',
      numeric: true,
      cell: (row) => <span className="task-id">#{row.task_id}</span>,
    },
    {
      key: 'completed',
      label: 'Completed',
      width: '13%',
      clip: true,
      cell: (row) => (
        <span className="nowrap" title={formatFullTime(row.completed_at, timeZone)}>
          {formatClock(row.completed_at, timeZone)}
        </span>
      ),
    },
    {
      key: 'crew',
      label: 'Crew',
      width: '7%',
      clip: true,
      cell: (row) => row.worker_id ?? <span className="muted">—</span>,
    },
    {
      key: 'bikes',
      label: 'Bikes',
      width: '6%',
      numeric: true,
      cell: (row) => row.bikes_moved.toLocaleString(),
    },
    {
      key: 'source',
      label: 'From',
      width: '19%',
      clip: true,
      title: 'Where the bikes were taken from',
      cell: (row) => (
        <StationLink
          systemId={systemId}
          stationId={row.from_station.station_id}
          name={row.from_station.name}
        />
      ),
    },
    {
      key: 'sourceChange',
      label: 'Full before → after',
      width: '15%',
      title: 'Minutes full in the window before completion and after it',
      numeric: true,
      cell: (row) => (
        <BeforeAfter
          before={row.from_station.minutes_full_before}
          after={row.from_station.minutes_full_after}
        />
      ),
    },
    {
      key: 'sink',
      label: 'To',
      width: '19%',
      clip: true,
      title: 'Where the bikes were brought',
      cell: (row) => (
        <StationLink
          systemId={systemId}
          stationId={row.to_station.station_id}
          name={row.to_station.name}
        />
      ),
    },
    {
      key: 'sinkChange',
      label: 'Empty before → after',
      width: '15%',
      title: 'Minutes empty in the window before completion and after it',
      numeric: true,
      cell: (row) => (
        <BeforeAfter
          before={row.to_station.minutes_empty_before}
          after={row.to_station.minutes_empty_after}
        />
      ),
    },
  ]
}
