import { useCallback, useMemo, useRef, useState } from 'react'
import type { Task, TaskStatus } from '../../../shared/dispatch'
import type { ConsoleClient } from '../api/client'
import { messageOf } from '../common/format'
import { Failure, Loading, Refreshing } from '../common/states'
import { stationName, useStations, type StationIndex } from '../common/stations'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { useSourced, type CrewSources, type ReleasesSource } from '../crews/crew-sources'
import type { TaskRelease } from '../crews/crew-types'
import { useKeys } from '../shell/shortcuts'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { TaskCard, type BoardTask } from './TaskCard'

interface Column {
  status: TaskStatus
  title: string
  /** How many of the newest the board shows. */
  limit: number
}

const COLUMNS: Column[] = [
  { status: 'ready', title: 'Ready', limit: 200 },
  { status: 'assigned', title: 'Assigned', limit: 200 },
  { status: 'completed', title: 'Completed', limit: 50 },
  { status: 'canceled', title: 'Canceled', limit: 50 },
]

type Board = Record<TaskStatus, BoardTask[]> & { totals: Record<TaskStatus, number> }

async function loadBoard(client: ConsoleClient): Promise<Board> {
  const [summary, ...pages] = await Promise.all([
    client.invoke('tasks:summary'),
    ...COLUMNS.map((column) =>
      client.invoke('tasks:list', { status: column.status, limit: column.limit }),
    ),
  ])
  const board = { totals: summary.byStatus } as Board
  COLUMNS.forEach((column, i) => {
    board[column.status] = pages[i]?.tasks ?? []
  })
  return board
}

function matches(task: Task, crew: string, station: string, index: StationIndex | null): boolean {
  if (crew && task.worker_id !== crew) return false
  if (!station) return true
  const needle = station.toLowerCase()
  return [task.from_station_id, task.to_station_id].some(
    (id) =>
      id.toLowerCase() === needle ||
      stationName(index, task.system_id, id).toLowerCase().includes(needle),
  )
}

/**
 * The crews' give-backs of the ready and assigned tasks, by task, oldest first; null when the
 * source is absent or has not answered. Asked again whenever a task changes column.
 */
function useReleases(
  source: ReleasesSource | undefined,
  board: Board | null,
): Map<number, TaskRelease[]> | null {
  const key = useMemo(
    () =>
      board
        ? [...board.ready, ...board.assigned].map((task) => `${task.id}:${task.status}`).join(',')
        : '',
    [board],
  )
  const load = useMemo(
    () =>
      source && key
        ? () => source.forTasks(key.split(',').map((part) => Number(part.split(':')[0])))
        : null,
    [source, key],
  )
  const releases = useSourced(load)
  return useMemo(() => {
    if (!releases.data) return null
    const byTask = new Map<number, TaskRelease[]>()
    for (const release of [...releases.data].sort((a, b) => a.at.localeCompare(b.at))) {
      byTask.set(release.task_id, [...(byTask.get(release.task_id) ?? []), release])
    }
    return byTask
  }, [releases.data])
}

/** Ready, assigned, completed and canceled tasks, live as crews and other consoles change them. */
export function TaskBoardView({
  client,
  session,
  timeZone,
  keysEnabled,
  sources = {},
}: ViewProps & { sources?: CrewSources }) {
  const now = useNow(10_000)
  const stations = useStations(client)
  const load = useCallback(() => loadBoard(client), [client])
  const board = useResource(client, load, { events: ['tasks:changed', 'app:resync'] })
  const releases = useReleases(sources.releases, board.data)
  const [crew, setCrew] = useState('')
  const [station, setStation] = useState('')
  const [failure, setFailure] = useState<string | null>(null)
  const stationField = useRef<HTMLInputElement>(null)

  useKeys({ '/': () => stationField.current?.focus() }, keysEnabled)

  const crews = useMemo(() => {
    if (!board.data) return []
    const ids = new Set<string>()
    for (const column of COLUMNS) {
      for (const task of board.data[column.status]) if (task.worker_id) ids.add(task.worker_id)
    }
    return [...ids].sort()
  }, [board.data])

  const cancel = canDispatch(session)
    ? async (task: Task, reason: string) => {
        try {
          await client.invoke('tasks:cancel', { task_id: task.id, reason })
          setFailure(null)
        } catch (error) {
          setFailure(`Task #${task.id} was not canceled: ${messageOf(error)}`)
        }
        board.reload()
      }
    : undefined

  const filtering = crew !== '' || station !== ''

  return (
    <section className="view view-board">
      <header className="view-header">
        <h1>Tasks</h1>
        <span className="view-meta">Live: changes by crews and other consoles appear here.</span>
        <Refreshing active={board.loading} />
        <div className="view-actions filters">
          <label className="field">
            <span>Crew</span>
            <select value={crew} onChange={(event) => setCrew(event.target.value)}>
              <option value="">All crews</option>
              {crews.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Station</span>
            <input
              ref={stationField}
              type="search"
              placeholder="Name or id  ( / )"
              value={station}
              onChange={(event) => setStation(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape') event.currentTarget.blur()
              }}
            />
          </label>
          {filtering && (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setCrew('')
                setStation('')
              }}
            >
              Clear filters
            </button>
          )}
        </div>
      </header>

      {failure && (
        <div className="notice notice-error" role="alert">
          <span>{failure}</span>
          <button type="button" className="link-button" onClick={() => setFailure(null)}>
            Dismiss
          </button>
        </div>
      )}

      {board.error && !board.data ? (
        <Failure
          title="The task board is unavailable"
          detail={board.error}
          onRetry={board.reload}
        />
      ) : !board.data ? (
        <Loading what="tasks" />
      ) : (
        <div className="board">
          {COLUMNS.map((column) => {
            const data = board.data
            const all = data?.[column.status] ?? []
            const shown = all.filter((task) => matches(task, crew, station, stations.data))
            const total = data?.totals[column.status] ?? all.length
            return (
              <section
                key={column.status}
                className={`column column-${column.status}`}
                aria-label={column.title}
              >
                <header className="column-head">
                  <h2>{column.title}</h2>
                  <span className="column-count num">
                    {filtering
                      ? `${shown.length} of ${total.toLocaleString()}`
                      : total.toLocaleString()}
                  </span>
                </header>
                <div className="column-body">
                  {shown.length === 0 ? (
                    <p className="column-empty">
                      {filtering
                        ? 'None match the filters.'
                        : `No ${column.title.toLowerCase()} tasks.`}
                    </p>
                  ) : (
                    shown.map((task) => (
                      <TaskCard
                        key={task.id}
                        task={task}
                        index={stations.data}
                        {...(releases ? { releases: releases.get(task.id) ?? [] } : {})}
                        now={now}
                        timeZone={timeZone}
                        onCancel={cancel}
                      />
                    ))
                  )}
                  {total > all.length && !filtering && (
                    <p className="column-more">
                      Showing the newest {all.length.toLocaleString()} of {total.toLocaleString()}.
                    </p>
                  )}
                </div>
              </section>
            )
          })}
        </div>
      )}
    </section>
  )
}
