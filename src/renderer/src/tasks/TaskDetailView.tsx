import { useCallback } from 'react'
import type { TaskDetail } from '../../../shared/operations/tasks'
import { formatFullTime, plural } from '../common/format'
import { Panel } from '../common/Panel'
import { Failure, Loading, Refreshing } from '../common/states'
import { StationCell } from '../common/StationCell'
import { useStations } from '../common/stations'
import { useResource } from '../common/useResource'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { TaskEditPanel } from './TaskEditPanel'

const STATUS_WORDS = {
  ready: 'Ready: waiting for a crew',
  assigned: 'Assigned',
  completed: 'Completed',
  canceled: 'Canceled',
} as const

/** An audit row's detail in words: `qty 4 → 7 · priority 0 → 9`. */
export function auditWords(detail: Record<string, unknown>): string {
  const words = (value: unknown): string =>
    typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => {
      const name = key.replace(/_/g, ' ')
      if (typeof value === 'object' && value !== null && 'from' in value && 'to' in value) {
        return `${name} ${words(value.from)} → ${words(value.to)}`
      }
      return `${name} ${words(value)}`
    })
    .join(' · ')
}

/** A task's whole history: its suggestion, hand-outs, give-backs with reasons, notes, audit. */
export function TaskDetailView({
  client,
  session,
  timeZone,
  taskId,
}: ViewProps & { taskId: number }) {
  const load = useCallback(() => client.invoke('tasks:get', { task_id: taskId }), [client, taskId])
  const detail = useResource(client, load, { events: ['tasks:changed', 'app:resync'] })
  const stations = useStations(client)
  const time = (iso: string | null) => (iso ? formatFullTime(iso, timeZone) : '—')
  const data: TaskDetail | null = detail.data
  const task = data?.task
  return (
    <section className="view task-detail">
      <header className="view-header">
        <a href="#/tasks" className="back-link">
          ← Tasks
        </a>
        <h1>Task #{taskId}</h1>
        {task && (
          <span className="view-meta">
            {STATUS_WORDS[task.status]}
            {task.worker_id ? ` · crew ${task.worker_id}` : ''}
            {task.for_crew ? ` · assigned to crew ${task.for_crew}` : ''}
          </span>
        )}
        <Refreshing active={detail.loading && detail.data !== null} />
      </header>
      {detail.error && !data ? (
        <Failure title="Task unavailable" detail={detail.error} onRetry={detail.reload} />
      ) : !data || !task ? (
        <Loading what="the task" />
      ) : (
        <div className="task-detail-grid">
          <Panel title="The move">
            <div className="task-route">
              <StationCell
                index={stations.data}
                systemId={task.system_id}
                stationId={task.from_station_id}
              />
              <span className="task-arrow" aria-label="to">
                ↓
              </span>
              <StationCell
                index={stations.data}
                systemId={task.system_id}
                stationId={task.to_station_id}
              />
            </div>
            <dl className="detail-facts">
              <dt>Bikes</dt>
              <dd>
                {plural(data.qty.asked, 'bike')} asked
                {data.qty.moved !== null ? ` · ${data.qty.moved} moved` : ''}
              </dd>
              <dt>Priority</dt>
              <dd>{Math.round(task.priority * 100) / 100}</dd>
              <dt>Why</dt>
              <dd>{task.reason ?? (task.suggestion_id === null ? 'made by hand' : '—')}</dd>
              <dt>Created</dt>
              <dd>{time(task.created_at)}</dd>
              {data.note && (
                <>
                  <dt>Note</dt>
                  <dd className="task-detail-note">{data.note}</dd>
                </>
              )}
            </dl>
          </Panel>
          {task.status === 'ready' && canDispatch(session) && (
            <TaskEditPanel client={client} task={task} onChanged={detail.reload} />
          )}
          <Panel title="Suggestion">
            {data.suggestion ? (
              <dl className="detail-facts">
                <dt>Suggested</dt>
                <dd>
                  #{data.suggestion.id} by {data.suggestion.source} ·{' '}
                  {time(data.suggestion.created_at)}
                </dd>
                <dt>Asked</dt>
                <dd>{plural(data.suggestion.qty, 'bike')}</dd>
                <dt>Reason</dt>
                <dd>{data.suggestion.reason || '—'}</dd>
                <dt>Decided</dt>
                <dd>
                  {data.suggestion.status}
                  {data.suggestion.decided_by ? ` by ${data.suggestion.decided_by}` : ''} ·{' '}
                  {time(data.suggestion.decided_at)}
                </dd>
              </dl>
            ) : (
              <p className="muted">None: this move was made by hand.</p>
            )}
          </Panel>
          <Panel title="Hand-outs" meta={plural(data.assignments.length, 'crew')}>
            {data.assignments.length === 0 ? (
              <p className="muted">Not handed to a crew yet.</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>Crew</th>
                    <th>Handed out</th>
                    <th>Ended</th>
                    <th>How</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {data.assignments.map((handOut) => (
                    <tr key={handOut.assigned_at}>
                      <td className="nowrap">{handOut.worker_id}</td>
                      <td>{time(handOut.assigned_at)}</td>
                      <td>{time(handOut.ended_at)}</td>
                      <td>{handOut.outcome ?? 'holding it'}</td>
                      <td className="cell-wrap">{handOut.reason ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
          <Panel title="Given back" meta={plural(data.releases.length, 'time')}>
            {data.releases.length === 0 ? (
              <p className="muted">No crew gave it back.</p>
            ) : (
              <ul className="task-releases" aria-label="Given back by crews">
                {data.releases.map((release) => (
                  <li key={release.at}>
                    <span className="task-release-reason">
                      {release.reason ?? 'no reason given'}
                    </span>
                    <span className="task-release-who">
                      crew {release.worker_id} · {time(release.at)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          <Panel
            title="Audit"
            className="panel-wide"
            meta={plural(data.audit.length, 'entry', 'entries')}
          >
            <table className="table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>What</th>
                  <th>Who</th>
                  <th>Detail</th>
                </tr>
              </thead>
              <tbody>
                {data.audit.map((row, i) => (
                  <tr key={`${row.at} ${i}`}>
                    <td>{time(row.at)}</td>
                    <td>{row.action}</td>
                    <td>
                      {row.actor}
                      {row.actor_role ? ` (${row.actor_role})` : ''}
                    </td>
                    <td className="cell-wrap">{auditWords(row.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Panel>
        </div>
      )}
    </section>
  )
}
