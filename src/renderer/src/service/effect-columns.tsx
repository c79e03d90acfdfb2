import type { TaskEffect } from '../../../shared/service-levels'
import { formatClock, formatFullTime } from '../common/format'
import type { Column } from './parts'
import { oneDecimal } from './service-data'
import { StationLink } from './StationsTable'
import { EFFECT_SORTS } from './table-data'

export const taskName = (row: TaskEffect) => String(row.task_id).padStart(12, '0')

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
