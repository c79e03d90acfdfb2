import { useState } from 'react'
import { formatAgo, formatClock, formatFullTime } from '../common/format'
import { useSubmit } from '../common/useSubmit'
import { PROBLEM_KIND_LABELS, type Problem } from '../crews/crew-types'
import { stationHash } from '../shell/routes'
import { ProblemPhoto } from './ProblemPhoto'

export type ResolveProblem = (problem: Problem, note: string | undefined) => Promise<Problem>

/** "Resolve": an optional note, then the dispatcher's word; the answer replaces the row. */
function ResolveForm({
  problem,
  onResolve,
  onDone,
}: {
  problem: Problem
  onResolve: ResolveProblem
  onDone: (resolved: Problem | null) => void
}) {
  const [note, setNote] = useState('')
  const { working, error, submit } = useSubmit(
    () =>
      onResolve(problem, note.trim() === '' ? undefined : note.trim()).then((resolved) =>
        onDone(resolved),
      ),
    (message) => `Not resolved: ${message}`,
  )
  return (
    <form
      className="problem-resolve"
      onSubmit={submit}
      aria-label={`Resolve problem ${problem.problem_id}`}
    >
      <label className="field field-grow">
        <span>Note (optional)</span>
        <input
          value={note}
          maxLength={1000}
          placeholder="Docks 4 and 5 repaired"
          onChange={(event) => setNote(event.target.value)}
        />
      </label>
      <button type="submit" className="button button-small" disabled={working}>
        {working ? 'Resolving…' : 'Mark resolved'}
      </button>
      <button
        type="button"
        className="button button-small button-quiet"
        onClick={() => onDone(null)}
        disabled={working}
      >
        Keep open
      </button>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}

function ProblemItem({
  problem,
  now,
  timeZone,
  showStation,
  onResolve,
  loadPhoto,
}: {
  problem: Problem
  now: number
  timeZone: string | null
  showStation: boolean
  onResolve?: ResolveProblem
  loadPhoto?: (problemId: number) => Promise<string>
}) {
  // The answer to this page's Resolve, shown until the list is loaded again without the problem.
  const [resolved, setResolved] = useState<Problem | null>(null)
  const [resolving, setResolving] = useState(false)
  const current = problem.resolved_at ? problem : (resolved ?? problem)
  const kind = PROBLEM_KIND_LABELS[current.kind]
  const where = `${kind} at ${current.station_name}`
  return (
    <li
      className={`problem problem-${current.kind}${current.resolved_at ? ' problem-resolved' : ''}`}
      aria-label={`Problem ${current.problem_id}: ${where}`}
      data-problem-id={current.problem_id}
    >
      <div className="problem-photo">
        {current.has_photo && loadPhoto ? (
          <ProblemPhoto problemId={current.problem_id} alt={where} load={loadPhoto} />
        ) : current.has_photo ? (
          <span className="photo-thumb photo-missing">Photo</span>
        ) : (
          <span className="photo-thumb photo-none">No photo</span>
        )}
      </div>
      <div className="problem-main">
        <p className="problem-head">
          <span className={`badge problem-kind problem-kind-${current.kind}`}>{kind}</span>
          {showStation && (
            <a
              className="station-link"
              href={stationHash({ systemId: current.system_id, stationId: current.station_id })}
            >
              {current.station_name}
            </a>
          )}
        </p>
        {current.note ? (
          <p className="problem-note">“{current.note}”</p>
        ) : (
          <p className="problem-note muted">No note.</p>
        )}
        <p className="problem-who" title={formatFullTime(current.created_at, timeZone)}>
          {current.crew_id ? `Crew ${current.crew_id}` : current.reported_by} ·{' '}
          {formatAgo(current.created_at, now)} · {formatClock(current.created_at, timeZone)}
        </p>
        {current.resolved_at && (
          <p className="problem-done" role="status">
            Resolved by {current.resolved_by ?? 'a dispatcher'},{' '}
            {formatClock(current.resolved_at, timeZone)}
            {current.resolution_note ? `: ${current.resolution_note}` : ''}
          </p>
        )}
        {resolving && onResolve && (
          <ResolveForm
            problem={current}
            onResolve={onResolve}
            onDone={(answer) => {
              if (answer) setResolved(answer)
              setResolving(false)
            }}
          />
        )}
      </div>
      {onResolve && !current.resolved_at && !resolving && (
        <div className="problem-actions">
          <button
            type="button"
            className="button button-small"
            onClick={() => setResolving(true)}
            aria-label={`Resolve: ${where}`}
          >
            Resolve
          </button>
        </div>
      )}
    </li>
  )
}

/**
 * Problems crews reported: the station (a link to its page), the kind in words, the crew's note,
 * who and when, the photo as a thumbnail that opens large; "Resolve" with an optional note.
 */
export function ProblemList({
  problems,
  now,
  timeZone,
  showStation = true,
  onResolve,
  loadPhoto,
}: {
  problems: readonly Problem[]
  now: number
  timeZone: string | null
  /** Off on a station's own page, where every problem is of that station. */
  showStation?: boolean
  /** POST /problems/{id}/resolve; absent: no Resolve buttons (analyst, or not served). */
  onResolve?: ResolveProblem
  /** The photo as an <img> src; absent: no thumbnails. */
  loadPhoto?: (problemId: number) => Promise<string>
}) {
  return (
    <ul className="problems" aria-label="Problems">
      {problems.map((problem) => (
        <ProblemItem
          key={problem.problem_id}
          problem={problem}
          now={now}
          timeZone={timeZone}
          showStation={showStation}
          {...(onResolve ? { onResolve } : {})}
          {...(loadPhoto ? { loadPhoto } : {})}
        />
      ))}
    </ul>
  )
}
