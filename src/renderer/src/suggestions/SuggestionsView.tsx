import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { Suggestion } from '../../../shared/dispatch'
import { formatAgo, formatFullTime, messageOf, plural } from '../common/format'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { StationCell } from '../common/StationCell'
import { useStations } from '../common/stations'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { useKeys } from '../shell/shortcuts'
import { canDispatch, type ViewProps } from '../shell/view-props'

interface Notice {
  tone: 'ok' | 'error'
  text: string
}

/**
 * Open suggestions, most valuable first: approve one into a task, reject it, or select several
 * and approve them in one go (all or nothing). j/k move, a approves, r rejects, x selects.
 */
export function SuggestionsView({ client, session, timeZone, keysEnabled }: ViewProps) {
  const dispatcher = canDispatch(session)
  const now = useNow(10_000)
  const stations = useStations(client)
  const load = useCallback(
    () =>
      client
        .invoke('suggestions:list', { status: 'open' })
        .then((list) => [...list].sort((a, b) => b.value - a.value || a.id - b.id)),
    [client],
  )
  // No event announces a new suggestion (the engine writes them): asked again every 30 s too.
  const suggestions = useResource(client, load, {
    events: ['tasks:changed', 'app:resync'],
    intervalMs: 30_000,
  })
  const list = useMemo(() => suggestions.data ?? [], [suggestions.data])
  const [cursorAt, setCursor] = useState(0)
  const [chosen, setSelected] = useState<ReadonlySet<number>>(new Set())
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set())
  const [notice, setNotice] = useState<Notice | null>(null)
  const [running, setRunning] = useState(false)
  const rows = useRef(new Map<number, HTMLTableRowElement>())

  // Selections and the cursor follow the list as it changes under them (others decide too).
  const selected = useMemo(
    () => new Set(list.filter((item) => chosen.has(item.id)).map((item) => item.id)),
    [list, chosen],
  )
  const cursor = Math.min(cursorAt, Math.max(0, list.length - 1))
  const current: Suggestion | undefined = list[cursor]

  useEffect(() => {
    if (current) rows.current.get(current.id)?.scrollIntoView({ block: 'nearest' })
  }, [current])

  const act = async (ids: number[], what: () => Promise<string>) => {
    setBusy((was) => new Set([...was, ...ids]))
    try {
      setNotice({ tone: 'ok', text: await what() })
      setSelected((was) => new Set([...was].filter((id) => !ids.includes(id))))
    } catch (error) {
      setNotice({ tone: 'error', text: messageOf(error) })
    } finally {
      setBusy((was) => new Set([...was].filter((id) => !ids.includes(id))))
      suggestions.reload()
    }
  }

  const approve = (item: Suggestion) =>
    act([item.id], async () => {
      const task = await client.invoke('tasks:approve', { suggestion_id: item.id })
      return `Suggestion #${item.id} approved: task #${task.id} is ready for a crew.`
    })
  const reject = (item: Suggestion) =>
    act([item.id], async () => {
      await client.invoke('suggestions:reject', { suggestion_id: item.id })
      return `Suggestion #${item.id} rejected.`
    })
  const approveSelected = () => {
    const ids = list.filter((item) => selected.has(item.id)).map((item) => item.id)
    if (ids.length === 0) return
    void act(ids, async () => {
      const tasks = await client.invoke('tasks:approveBatch', { suggestion_ids: ids })
      return `${plural(tasks.length, 'suggestion')} approved into ${plural(tasks.length, 'task')}.`
    })
  }
  // The engine also runs after polls on the leading console; this asks for a run now.
  const runEngine = async () => {
    setRunning(true)
    try {
      const run = await client.invoke('suggestions:run', {})
      setNotice({
        tone: 'ok',
        text:
          `Engine run: ${plural(run.created, 'suggestion')} made, ${run.superseded} superseded ` +
          `in ${(run.duration_ms / 1000).toFixed(1)} s` +
          (run.model_version === null ? '' : ` (demand model v${run.model_version})`) +
          (run.note ? `. ${run.note}` : '.'),
      })
    } catch (error) {
      setNotice({ tone: 'error', text: messageOf(error) })
    } finally {
      setRunning(false)
      suggestions.reload()
    }
  }
  const toggle = (id: number) =>
    setSelected((was) => {
      const next = new Set(was)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })

  useKeys(
    {
      j: () => setCursor((at) => Math.min(at + 1, list.length - 1)),
      ArrowDown: () => setCursor((at) => Math.min(at + 1, list.length - 1)),
      k: () => setCursor((at) => Math.max(at - 1, 0)),
      ArrowUp: () => setCursor((at) => Math.max(at - 1, 0)),
      ...(dispatcher && current && !busy.has(current.id)
        ? {
            a: () => void approve(current),
            r: () => void reject(current),
            x: () => toggle(current.id),
          }
        : {}),
      ...(dispatcher ? { A: approveSelected } : {}),
    },
    keysEnabled,
  )

  const allSelected = list.length > 0 && selected.size === list.length

  return (
    <section className="view">
      <header className="view-header">
        <h1>Suggestions</h1>
        <span className="view-meta">
          {suggestions.data ? `${plural(list.length, 'open suggestion')}, most valuable first` : ''}
        </span>
        <Refreshing active={suggestions.loading} />
        <div className="view-actions">
          {dispatcher && (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => void runEngine()}
              disabled={running}
            >
              {running ? 'Running engine…' : 'Run engine'}
            </button>
          )}
          {dispatcher && (
            <button
              type="button"
              className="button"
              onClick={approveSelected}
              disabled={selected.size === 0}
            >
              Approve selected ({selected.size})
            </button>
          )}
          <button type="button" className="button button-quiet" onClick={suggestions.reload}>
            Refresh
          </button>
        </div>
      </header>

      {notice && (
        <div
          className={`notice notice-${notice.tone}`}
          role={notice.tone === 'error' ? 'alert' : 'status'}
        >
          <span>{notice.text}</span>
          <button type="button" className="link-button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}

      {suggestions.error && !suggestions.data ? (
        <Failure
          title="Suggestions unavailable"
          detail={suggestions.error}
          onRetry={suggestions.reload}
        />
      ) : !suggestions.data ? (
        <Loading what="suggestions" />
      ) : list.length === 0 ? (
        <Empty title="No open suggestions">
          New ones appear here as the engine or a dispatcher proposes moves.
        </Empty>
      ) : (
        <div className="panel">
          <table className="table table-rows" aria-label="Open suggestions">
            <thead>
              <tr>
                {dispatcher && (
                  <th className="check">
                    <input
                      type="checkbox"
                      aria-label="Select all"
                      checked={allSelected}
                      onChange={() =>
                        setSelected(allSelected ? new Set() : new Set(list.map((item) => item.id)))
                      }
                    />
                  </th>
                )}
                <th className="right">Value</th>
                <th className="right">Bikes</th>
                <th>From</th>
                <th>To</th>
                <th>Reason</th>
                <th>Proposed</th>
                {dispatcher && <th className="right">Decide</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((item, i) => (
                <tr
                  key={item.id}
                  ref={(row) => {
                    if (row) rows.current.set(item.id, row)
                    else rows.current.delete(item.id)
                  }}
                  className={[
                    i === cursor ? 'row-cursor' : '',
                    selected.has(item.id) ? 'row-selected' : '',
                  ].join(' ')}
                  aria-selected={i === cursor}
                  onClick={() => setCursor(i)}
                >
                  {dispatcher && (
                    <td className="check">
                      <input
                        type="checkbox"
                        aria-label={`Select suggestion ${item.id}`}
                        checked={selected.has(item.id)}
                        onChange={() => toggle(item.id)}
                      />
                    </td>
                  )}
                  <td className="right num">{item.value.toFixed(1)}</td>
                  <td className="right num strong">{item.qty}</td>
                  <td>
                    <StationCell
                      index={stations.data}
                      systemId={item.system_id}
                      stationId={item.from_station_id}
                    />
                  </td>
                  <td>
                    <StationCell
                      index={stations.data}
                      systemId={item.system_id}
                      stationId={item.to_station_id}
                    />
                  </td>
                  <td className="reason">
                    {item.reason}
                    <span className="sub">
                      #{item.id} · {item.source.replace('_', ' ')}
                    </span>
                  </td>
                  <td title={formatFullTime(item.created_at, timeZone)} className="nowrap">
                    {formatAgo(item.created_at, now)}
                  </td>
                  {dispatcher && (
                    <td className="right nowrap">
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy.has(item.id)}
                        onClick={() => void approve(item)}
                        aria-label={`Approve suggestion ${item.id}`}
                      >
                        Approve
                      </button>{' '}
                      <button
                        type="button"
                        className="button button-small button-quiet"
                        disabled={busy.has(item.id)}
                        onClick={() => void reject(item)}
                        aria-label={`Reject suggestion ${item.id}`}
                      >
                        Reject
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dispatcher && list.length > 0 && (
        <p className="hint">
          <kbd>j</kbd> <kbd>k</kbd> move · <kbd>a</kbd> approve · <kbd>r</kbd> reject · <kbd>x</kbd>{' '}
          select · <kbd>A</kbd> approve selected · <kbd>?</kbd> all shortcuts
        </p>
      )}
    </section>
  )
}
