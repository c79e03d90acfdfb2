import { useMemo } from 'react'
import type { ServiceCrews } from '../../../shared/service-levels'
import { crewsCsv, durationsCsv, taskDaysCsv } from '../../../shared/service-csv'
import { plural } from '../common/format'
import type { Resource } from '../common/useResource'
import { AnswerPanel } from './AnswerPanel'
import { ChartLegend, TASK_LEGEND, TasksChart } from './charts'
import { taskDayRows } from './service-data'
import { CrewsTable, DurationsTable } from './CrewsTable'

export function TasksPanel({ crews }: { crews: Resource<ServiceCrews> }) {
  const data = crews.data
  const rows = useMemo(() => (data ? taskDayRows(data) : []), [data])
  return (
    <AnswerPanel
      title="Tasks per day"
      meta={data && `${plural(data.totals.bikes_moved, 'bike')} moved`}
      resource={crews}
      what="tasks"
      csv={{ what: 'tasks per day', table: 'tasks', rows: (answer) => taskDaysCsv(answer.days) }}
    >
      {(answer) => (
        <>
          <TasksChart rows={rows} />
          <p className="hint">
            <ChartLegend items={TASK_LEGEND} />
          </p>
          <p className="hint">
            {plural(answer.totals.created, 'task')} created,{' '}
            {answer.totals.dispatched.toLocaleString()} handed out,{' '}
            {answer.totals.completed.toLocaleString()} completed,{' '}
            {answer.totals.canceled.toLocaleString()} canceled,{' '}
            {answer.totals.released.toLocaleString()} given back.
          </p>
        </>
      )}
    </AnswerPanel>
  )
}

export function DurationsPanel({ crews }: { crews: Resource<ServiceCrews> }) {
  return (
    <AnswerPanel
      title="Task durations"
      meta="from suggestion to completed task"
      resource={crews}
      what="task durations"
      csv={{
        table: 'durations',
        rows: (answer) => durationsCsv(answer.durations),
      }}
    >
      {(answer) => <DurationsTable durations={answer.durations} />}
    </AnswerPanel>
  )
}

export function CrewsPanel({ crews }: { crews: Resource<ServiceCrews> }) {
  const data = crews.data
  return (
    <AnswerPanel
      title="Crews"
      className="panel-wide"
      meta={data && plural(data.crews.length, 'crew')}
      resource={crews}
      what="crews"
      csv={{ table: 'crews', rows: (answer) => crewsCsv(answer.crews) }}
      empty={(answer) => (answer.crews.length === 0 ? 'No crew held a task in these days' : null)}
    >
      {(answer) => <CrewsTable crews={answer.crews} />}
    </AnswerPanel>
  )
}
