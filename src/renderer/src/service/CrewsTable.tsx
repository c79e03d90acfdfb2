import type { CrewPerformance, ServiceCrews } from '../../../shared/service-levels'
import { DURATION_STEPS } from '../../../shared/service-csv'
import { amountColumn, SortTable, type Column } from './parts'
import { formatSpan, oneDecimal } from './service-data'
import { CREW_SORTS } from './table-data'

const crewName = (row: CrewPerformance) => row.name

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
  amountColumn(
    { key: 'released', label: 'Released', title: 'Given back to the queue' },
    (row) => row.released,
  ),
  amountColumn(
    { key: 'canceled', label: 'Canceled', title: 'Canceled while this crew held them' },
    (row) => row.canceled,
  ),
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
