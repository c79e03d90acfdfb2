import type { CrewTask, TaskStation } from '../api'
import { mapLinks } from '../device'
import type { Progress } from '../session'
import { ago, bikes, distanceWords } from '../words'

function StationCard({
  role,
  station,
  current,
}: {
  role: 'From' | 'To'
  station: TaskStation
  current: boolean
}) {
  return (
    <section
      className={`station${current ? ' current' : ''}`}
      aria-label={`${role}: ${station.name}`}
    >
      <p className="station-role">
        {role === 'From' ? 'Pick up from' : 'Drop off at'}
        {station.short_name ? <span className="code">{station.short_name}</span> : null}
      </p>
      <h2>{station.name}</h2>
      <p className="counts">
        <span>
          <b>{station.bikes ?? '?'}</b> {station.bikes === 1 ? 'bike' : 'bikes'}
        </span>
        <span>
          <b>{station.docks ?? '?'}</b> free {station.docks === 1 ? 'dock' : 'docks'}
        </span>
      </p>
      <p className={`reported${station.stale === true ? ' stale' : ''}`}>
        {station.stale === true ? 'Old numbers: ' : 'Reported '}
        {ago(station.reported_at)}
      </p>
    </section>
  )
}

/** The held task: where to go, how many, why, and what the crew did. */
export function TaskScreen({
  task,
  progress,
  onPickedUp,
  onComplete,
  onCantDo,
  onReport,
}: {
  task: CrewTask
  progress: Progress | null
  onPickedUp: () => void
  onComplete: () => void
  onCantDo: () => void
  onReport: () => void
}) {
  const picked = progress?.picked ?? task.qty_picked
  const done = progress?.completed ?? null
  const released = progress?.released ?? false
  const target = picked === null ? task.from : task.to
  const links = mapLinks(target.lat, target.lon, target.name)
  if (done !== null || released) {
    return (
      <main className="screen task">
        <p className="lead">
          Task {task.id}: {task.from.name} to {task.to.name}
        </p>
        <p className="notice info" role="status">
          {done !== null
            ? `Done: you left ${bikes(done)} at ${task.to.name}.`
            : 'Given back to the dispatcher.'}
        </p>
      </main>
    )
  }
  return (
    <main className="screen task">
      <p className="qty">
        Move <b>{bikes(task.qty)}</b>
      </p>
      {task.reason ? <p className="reason">{task.reason}</p> : null}
      <p className="distance">Pick-up is {distanceWords(task.distance_m)}</p>
      <StationCard role="From" station={task.from} current={picked === null} />
      <StationCard role="To" station={task.to} current={picked !== null} />
      {picked !== null ? <p className="notice info">Picked up: {bikes(picked)}.</p> : null}
      <p className="hint">
        Navigate goes to {picked === null ? 'the pick-up' : 'the drop-off'}: {target.name}.{' '}
        <a href={links.web} target="_blank" rel="noreferrer" className="inline-link">
          Maps link
        </a>
      </p>
      <div className="row">
        <button className="secondary" type="button" onClick={onCantDo}>
          Can&apos;t do
        </button>
        <button className="secondary" type="button" onClick={onReport}>
          Report a problem
        </button>
      </div>
      <div className="actions-bar">
        <a className="button secondary" href={links.geo}>
          Navigate
        </a>
        {picked === null ? (
          <button className="primary" type="button" onClick={onPickedUp}>
            Picked up
          </button>
        ) : (
          <button className="primary" type="button" onClick={onComplete}>
            Complete
          </button>
        )}
      </div>
    </main>
  )
}
