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
    ...endColumns(systemId, 'source'),
    ...endColumns(systemId, 'sink'),
  ]
}

type EffectSort = keyof typeof EFFECT_SORTS

/** A task's two ends: bikes taken from a full station (the source), brought to an empty one. */
const ENDS = {
  source: ['From', 'Where the bikes were taken from', 'from_station', 'full'],
  sink: ['To', 'Where the bikes were brought', 'to_station', 'empty'],
} as const

/** A task's end as two columns: the station, and its minutes full or empty before and after. */
function endColumns(systemId: string, key: keyof typeof ENDS): Column<TaskEffect, EffectSort>[] {
  const [label, title, side, minutes] = ENDS[key]
  return [
    {
      key,
      label,
      width: '19%',
      clip: true,
      title,
      cell: (row) => (
        <StationLink systemId={systemId} stationId={row[side].station_id} name={row[side].name} />
      ),
    },
    {
      key: `${key}Change`,
      label: `${minutes === 'full' ? 'Full' : 'Empty'} before → after`,
      width: '15%',
      title: `Minutes ${minutes} in the window before completion and after it`,
      numeric: true,
      cell: (row) => (
        <BeforeAfter
          before={row[side][`minutes_${minutes}_before`]}
          after={row[side][`minutes_${minutes}_after`]}
        />
      ),
    },
  ]
}
