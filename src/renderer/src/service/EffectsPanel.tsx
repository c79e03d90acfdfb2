import { useMemo } from 'react'
import type { ServiceTaskEffects } from '../../../shared/service-levels'
import { effectsCsv } from '../../../shared/service-csv'
import { plural } from '../common/format'
import type { Resource } from '../common/useResource'
import { AnswerPanel, TOP } from './AnswerPanel'
import { SortTable } from './parts'
import { EFFECT_SORTS } from './table-data'
import { BeforeAfter, effectColumns, taskName } from './effect-columns'

export function EffectsPanel({ effects }: { effects: Resource<ServiceTaskEffects> }) {
  const data = effects.data
  const columns = useMemo(() => (data ? effectColumns(data.system_id, data.time_zone) : []), [data])
  return (
    <AnswerPanel
      title="What completed tasks changed"
      className="panel-wide"
      meta={
        data &&
        `minutes in the ${data.window_minutes} min before completion and after it · ${plural(data.tasks.length, 'task')}`
      }
      resource={effects}
      what="task effects"
      csv={{ table: 'effects', rows: (answer) => effectsCsv(answer.tasks) }}
      empty={(answer) => (answer.tasks.length === 0 ? 'No task was completed in these days' : null)}
    >
      {(answer) => (
        <SortTable
          label="What completed tasks changed"
          rows={answer.tasks}
          columns={columns}
          sorts={EFFECT_SORTS}
          initialSort={{ key: 'completed', direction: 'desc' }}
          rowKey={(row) => String(row.task_id)}
          tie={taskName}
          limit={TOP}
          noun="tasks"
          foot={
            <tr>
              <td colSpan={5} className="strong">
                All {plural(answer.totals.tasks, 'task')}
              </td>
              <td className="right num">
                <BeforeAfter
                  before={answer.totals.source_minutes_full_before}
                  after={answer.totals.source_minutes_full_after}
                />
              </td>
              <td />
              <td className="right num">
                <BeforeAfter
                  before={answer.totals.sink_minutes_empty_before}
                  after={answer.totals.sink_minutes_empty_after}
                />
              </td>
            </tr>
          }
        />
      )}
    </AnswerPanel>
  )
}
