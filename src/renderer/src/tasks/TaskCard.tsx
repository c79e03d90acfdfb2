import { useState } from 'react'
import type { Task } from '../../../shared/dispatch'
import { formatAgo, formatDuration, formatFullTime, plural, secondsSince } from '../common/format'
import { StationCell } from '../common/StationCell'
import type { StationIndex } from '../common/stations'
import { taskHash } from '../shell/routes'
import { RELEASE_REASON_LABELS, type TaskRelease } from '../crews/crew-types'

/** A task as the board reads it: crew-work's pickup adds the bikes taken at the source. */
export type BoardTask = Task & { qty_picked?: number | null }

/** When the task entered the column it is in. */
function since(task: Task): string {
  switch (task.status) {
    case 'assigned':
      return task.assigned_at ?? task.updated_at
    case 'completed':
      return task.completed_at ?? task.updated_at
    case 'canceled':
      return task.canceled_at ?? task.updated_at
    default:
      return task.created_at
  }
}

/** What was moved, when the crew said: the completed count, else the picked-up one. */
function movedOf(task: BoardTask): { count: number; what: 'moved' | 'picked up' } | null {
  if (task.qty_moved !== null) return { count: task.qty_moved, what: 'moved' }
  if (task.qty_picked !== undefined && task.qty_picked !== null) {
    return { count: task.qty_picked, what: 'picked up' }
  }
  return null
}

/** "5 bikes asked · 3 moved". */
function Quantity({ task }: { task: BoardTask }) {
  const moved = movedOf(task)
  return (
    <span className="task-qty num">
      {plural(task.qty, 'bike')}
      {moved && (
        <span className={moved.count === task.qty ? 'task-moved' : 'task-moved task-moved-off'}>
          {' '}
          asked · {moved.count} {moved.what}
        </span>
      )}
    </span>
  )
}

/** The flag when the crew moved (or took) other than asked: the dispatcher checks the stations. */
function Differs({ task }: { task: BoardTask }) {
  const moved = movedOf(task)
  if (!moved || moved.count === task.qty) return null
  const gap = moved.count - task.qty
  return (
    <p className="task-differs" role="note">
      {gap < 0 ? `${plural(-gap, 'bike')} fewer` : `${plural(gap, 'bike')} more`} than asked
      {moved.what === 'picked up' ? ' at the pickup' : ''}
    </p>
  )
}

/** "Can't do: fewer bikes than expected — only 9 at Folsom", in the crew's words. */
export function releaseText(release: TaskRelease): string {
  const label = release.reason_code ? RELEASE_REASON_LABELS[release.reason_code] : null
  const note = release.reason.trim()
  if (!label) return `Given back: ${note}`
  return note && note.toLowerCase() !== label.toLowerCase()
    ? `Can't do: ${label} — ${note}`
    : `Can't do: ${label}`
}

function Releases({ releases, now }: { releases: readonly TaskRelease[]; now: number }) {
  return (
    <ul className="task-releases" aria-label="Given back by crews">
      {releases.map((release) => (
        <li key={`${release.crew_id} ${release.at}`}>
          <span className="task-release-reason">{releaseText(release)}</span>
          <span className="task-release-who">
            crew {release.crew_id} · {formatAgo(release.at, now)}
          </span>
        </li>
      ))}
    </ul>
  )
}

export function TaskCard({
  task,
  index,
  now,
  timeZone,
  releases,
  onCancel,
}: {
  task: BoardTask
  index: StationIndex | null
  now: number
  timeZone: string | null
  /** The crews' give-backs of this task ("Can't do"), oldest first; absent: not known. */
  releases?: readonly TaskRelease[]
  onCancel?: (task: Task, reason: string) => Promise<void>
}) {
  const [confirming, setConfirming] = useState(false)
  const [working, setWorking] = useState(false)
  const overdue = secondsSince(task.lease_expires_at, now)
  return (
    <article
      className={`task${task.stale ? ' task-stale' : ''}`}
      aria-label={`Task ${task.id}`}
      data-task-id={task.id}
    >
      <header className="task-head">
        <a className="task-id" href={taskHash(task.id)} aria-label={`Open task ${task.id}`}>
          #{task.id}
        </a>
        <Quantity task={task} />
        <span className="task-age" title={formatFullTime(since(task), timeZone)}>
          {formatAgo(since(task), now)}
        </span>
      </header>
      <div className="task-route">
        <StationCell index={index} systemId={task.system_id} stationId={task.from_station_id} />
        <span className="task-arrow" aria-label="to">
          ↓
        </span>
        <StationCell index={index} systemId={task.system_id} stationId={task.to_station_id} />
      </div>
      <footer className="task-foot">
        <span className="task-crew">
          {task.worker_id
            ? `Crew ${task.worker_id}`
            : task.for_crew
              ? `For crew ${task.for_crew}`
              : 'No crew yet'}
        </span>
        {onCancel && (task.status === 'ready' || task.status === 'assigned') && !confirming && (
          <button
            type="button"
            className="link-button"
            onClick={() => setConfirming(true)}
            aria-label={`Cancel task ${task.id}`}
          >
            Cancel
          </button>
        )}
      </footer>
      {task.stale && (
        <p className="task-warning" role="note">
          Lease expired{overdue !== null ? ` ${formatDuration(overdue)} ago` : ''}: check on{' '}
          {task.worker_id ? `crew ${task.worker_id}` : 'the crew'}.
        </p>
      )}
      <Differs task={task} />
      {releases && releases.length > 0 && <Releases releases={releases} now={now} />}
      {task.status === 'canceled' && task.note && <p className="task-note">{task.note}</p>}
      {confirming && onCancel && (
        <div className="task-confirm">
          <span>Cancel task #{task.id}?</span>
          <button
            type="button"
            className="button button-small button-danger"
            disabled={working}
            onClick={() => {
              setWorking(true)
              void onCancel(task, 'canceled from the console').finally(() => {
                setWorking(false)
                setConfirming(false)
              })
            }}
          >
            Cancel task
          </button>
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => setConfirming(false)}
          >
            Keep
          </button>
        </div>
      )}
    </article>
  )
}
