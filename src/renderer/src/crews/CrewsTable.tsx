import type { Crew } from '../../../shared/dispatch'
import { formatAgo, formatClock, formatFullTime, plural, secondsSince } from '../common/format'
import type { CrewWithWork, Device } from './crew-types'

const HEALTH_TONE: Record<Crew['health'], string> = {
  Healthy: 'ok',
  Warning: 'warn',
  Critical: 'bad',
  'Never seen': 'quiet',
}

/** Silence from a crew at work this long is worth a look; this long, a call. */
export const CONTACT_WARN_S = 5 * 60
export const CONTACT_BAD_S = 15 * 60

/** The latest word from a crew: its heartbeat, or any of its phones' requests. */
export function lastContact(crew: Crew, devices: readonly Device[] | null): string | null {
  let latest = crew.last_seen_at
  for (const device of devices ?? []) {
    if (device.crew_id !== crew.crew_id || !device.last_contact_at) continue
    if (!latest || Date.parse(device.last_contact_at) > Date.parse(latest)) {
      latest = device.last_contact_at
    }
  }
  return latest
}

/** On shift, holding a task: a crew whose silence matters. */
function atWork(crew: CrewWithWork): boolean {
  return Boolean(crew.shift) || (crew.task_id ?? null) !== null || crew.assigned_tasks > 0
}

function Contact({
  crew,
  at,
  now,
  timeZone,
}: {
  crew: CrewWithWork
  at: string | null
  now: number
  timeZone: string | null
}) {
  const seconds = secondsSince(at, now)
  const tone =
    seconds === null || !atWork(crew)
      ? ''
      : seconds >= CONTACT_BAD_S
        ? 'contact-bad'
        : seconds >= CONTACT_WARN_S
          ? 'contact-warn'
          : ''
  return (
    <td title={formatFullTime(at, timeZone)} className={tone || undefined}>
      {at ? formatAgo(at, now) : 'never'}
      {tone && <span className="sub contact-note">silent at work: call the crew</span>}
      {!tone && at && <span className="sub">{formatClock(at, timeZone)}</span>}
    </td>
  )
}

function ShiftCell({ crew, timeZone }: { crew: CrewWithWork; timeZone: string | null }) {
  if (crew.shift === undefined) {
    return (
      <td className="muted" title="This server does not report shifts">
        —
      </td>
    )
  }
  if (crew.shift === null) return <td className="muted">Off shift</td>
  const shift = crew.shift
  return (
    <td title={formatFullTime(shift.started_at, timeZone)}>
      <span className="badge badge-ok">On shift</span> since{' '}
      {formatClock(shift.started_at, timeZone)}
      <span className="sub">
        van {shift.van_capacity} · {plural(shift.bikes_on_board, 'bike')} on board
      </span>
    </td>
  )
}

function TaskCell({ crew }: { crew: CrewWithWork }) {
  if (crew.task_id === undefined) {
    // A server without crew-work: the number of tasks it holds is all there is.
    return (
      <td className="num">
        {crew.assigned_tasks > 0 ? (
          plural(crew.assigned_tasks, 'task')
        ) : (
          <span className="muted">None</span>
        )}
      </td>
    )
  }
  if (crew.task_id === null) return <td className="muted">None</td>
  return (
    <td>
      <a href="#/tasks" className="task-id">
        #{crew.task_id}
      </a>
    </td>
  )
}

/**
 * Each crew: health, last contact (marked when a crew at work has gone quiet), its shift, the
 * task it holds, bikes moved today, its phones; "Pair a phone" when pairing is offered.
 */
export function CrewsTable({
  crews,
  devices,
  now,
  timeZone,
  onPair,
}: {
  crews: readonly CrewWithWork[]
  /** Paired devices of all crews; null: not known (not served, or not loaded yet). */
  devices: readonly Device[] | null
  now: number
  timeZone: string | null
  /** Opens the pairing panel for a crew; absent: no button. */
  onPair?: (crew: CrewWithWork) => void
}) {
  return (
    <table className="table crews-table" aria-label="Crews">
      <thead>
        <tr>
          <th>Crew</th>
          <th>Health</th>
          <th>Last contact</th>
          <th>Shift</th>
          <th>Task</th>
          <th className="right">Moved today</th>
          <th className="right">{devices ? 'Phones' : 'Tokens'}</th>
          {onPair && <th className="right">Phone</th>}
        </tr>
      </thead>
      <tbody>
        {crews.map((crew) => {
          const phones = devices?.filter((d) => d.crew_id === crew.crew_id && !d.revoked_at)
          return (
            <tr key={crew.crew_id} data-crew-id={crew.crew_id}>
              <td>
                <span className="strong">{crew.name}</span>
                <span className="sub">
                  {crew.crew_id}
                  {crew.van_capacity !== null ? ` · van ${crew.van_capacity}` : ''}
                </span>
              </td>
              <td>
                <span className={`badge badge-${HEALTH_TONE[crew.health]}`}>{crew.health}</span>
              </td>
              <Contact crew={crew} at={lastContact(crew, devices)} now={now} timeZone={timeZone} />
              <ShiftCell crew={crew} timeZone={timeZone} />
              <TaskCell crew={crew} />
              <td className="right num">
                {crew.bikes_moved_today ?? (
                  <span className="muted" title="Not reported by this server">
                    —
                  </span>
                )}
              </td>
              <td className="right num">{phones ? phones.length : crew.active_tokens}</td>
              {onPair && (
                <td className="right">
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => onPair(crew)}
                    aria-label={`Pair a phone with ${crew.name}`}
                  >
                    Pair a phone
                  </button>
                </td>
              )}
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
