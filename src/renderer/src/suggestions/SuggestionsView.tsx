import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { Suggestion } from '../../../shared/dispatch'
import { SUGGESTION_PAGE } from '../../../shared/suggestion-list'
import type { ConsoleClient } from '../api/client'
import { messageOf, plural } from '../common/format'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { useStations } from '../common/stations'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { useKeys } from '../shell/shortcuts'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { DecisionToast } from './DecisionToast'
import { SuggestionRow } from './SuggestionRow'
import { useDecisions } from './useDecisions'

/** GET /suggestions answers SUGGESTION_PAGE a page; the console reads on to this many pages. */
const MOST_PAGES = 10

/** Every open suggestion (a page at a time, the next after the last id), most valuable first. */
export async function openSuggestions(client: ConsoleClient): Promise<Suggestion[]> {
  const all: Suggestion[] = []
  for (let page = 0; page < MOST_PAGES; page++) {
    const last = all.at(-1)
    const next = await client.invoke('suggestions:list', {
      status: 'open',
      ...(last ? { cursor: String(last.id) } : {}),
    })
    all.push(...next)
    if (next.length < SUGGESTION_PAGE) break
  }
  return all.sort((a, b) => b.value - a.value || a.id - b.id)
}

/**
 * Open suggestions, most valuable first, live: an engine run or another desk's decision changes
 * the list at once (`suggestions:changed`). Each row shows both ends' numbers when proposed and
 * now. Approve one into a task, reject it with an optional reason, undo either for a few seconds,
 * or select several and approve them in one go. j/k move, a approves, r rejects, u undoes,
 * x selects, A approves the selection.
 */
export function SuggestionsView({ client, session, timeZone, keysEnabled }: ViewProps) {
  const dispatcher = canDispatch(session)
  const now = useNow(10_000)
  const stations = useStations(client)
  const load = useCallback(() => openSuggestions(client), [client])
  const suggestions = useResource(client, load, {
    events: ['suggestions:changed', 'tasks:changed', 'app:resync'],
  })
  const list = useMemo(() => suggestions.data ?? [], [suggestions.data])
  const decisions = useDecisions(client, suggestions.reload)
  const [cursorAt, setCursor] = useState(0)
  const [chosen, setSelected] = useState<ReadonlySet<number>>(new Set())
  const [rejecting, setRejecting] = useState<number | null>(null)
  const [running, setRunning] = useState(false)
  const [engineNote, setEngineNote] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null)
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

  const reject = (item: Suggestion, note: string) => {
    setRejecting(null)
    void decisions.reject(item, note)
  }
  const approveSelected = () => {
    const ids = list.filter((item) => selected.has(item.id)).map((item) => item.id)
    if (ids.length === 0) return
    void decisions.approveBatch(ids).then((done) => {
      if (done) setSelected((was) => new Set([...was].filter((id) => !ids.includes(id))))
    })
  }
  // The engine also runs after polls on the leading console; this asks for a run now.
  const runEngine = async () => {
    setRunning(true)
    try {
      const run = await client.invoke('suggestions:run', {})
      setEngineNote({
        tone: 'ok',
        text:
          `Engine run: ${plural(run.created, 'suggestion')} made, ${run.superseded} superseded ` +
          `in ${(run.duration_ms / 1000).toFixed(1)} s` +
          (run.model_version === null ? '' : ` (demand model v${run.model_version})`) +
          (run.note ? `. ${run.note}` : '.'),
      })
    } catch (error) {
      setEngineNote({ tone: 'error', text: messageOf(error) })
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

  const ready = dispatcher && current && !decisions.busy.has(current.id) && rejecting === null
  useKeys(
    {
      j: () => setCursor((at) => Math.min(at + 1, list.length - 1)),
      ArrowDown: () => setCursor((at) => Math.min(at + 1, list.length - 1)),
      k: () => setCursor((at) => Math.max(at - 1, 0)),
      ArrowUp: () => setCursor((at) => Math.max(at - 1, 0)),
      ...(ready
        ? {
            a: () => void decisions.approve(current),
            r: () => setRejecting(current.id),
            x: () => toggle(current.id),
          }
        : {}),
      ...(dispatcher && decisions.toast?.undo !== undefined
        ? { u: () => void decisions.undo() }
        : {}),
      ...(dispatcher ? { A: approveSelected } : {}),
    },
    keysEnabled,
  )

  const allSelected = list.length > 0 && selected.size === list.length

  return (
    <section className="view view-suggestions">
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

      {engineNote && (
        <div
          className={`notice notice-${engineNote.tone}`}
          role={engineNote.tone === 'error' ? 'alert' : 'status'}
        >
          <span>{engineNote.text}</span>
          <button type="button" className="link-button" onClick={() => setEngineNote(null)}>
            Dismiss
          </button>
        </div>
      )}
      <DecisionToast decisions={decisions} />

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
          <table className="table table-rows sugg-table" aria-label="Open suggestions">
            <colgroup>
              {dispatcher && <col className="check" />}
              <col className="sugg-col-move" />
              <col className="sugg-col-ends" />
              <col />
              {dispatcher && <col className="sugg-col-decide" />}
            </colgroup>
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
                <th>Move</th>
                <th>From → To: when proposed, and now</th>
                <th>Reason, as proposed</th>
                {dispatcher && <th>Decide</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((item, i) => (
                <SuggestionRow
                  key={item.id}
                  item={item}
                  index={stations.data}
                  now={now}
                  timeZone={timeZone}
                  dispatcher={dispatcher}
                  cursor={i === cursor}
                  selected={selected.has(item.id)}
                  busy={decisions.busy.has(item.id)}
                  rejecting={rejecting === item.id}
                  onCursor={() => setCursor(i)}
                  onToggle={() => toggle(item.id)}
                  onApprove={() => void decisions.approve(item)}
                  onRejectAsk={() => setRejecting(item.id)}
                  onReject={(note) => reject(item, note)}
                  onRejectCancel={() => setRejecting(null)}
                  onRow={(row) => {
                    if (row) rows.current.set(item.id, row)
                    else rows.current.delete(item.id)
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dispatcher && list.length > 0 && (
        <p className="hint">
          <kbd>j</kbd> <kbd>k</kbd> move · <kbd>a</kbd> approve · <kbd>r</kbd> reject (Enter
          confirms, Esc leaves) · <kbd>u</kbd> undo · <kbd>x</kbd> select · <kbd>A</kbd> approve
          selected · <kbd>?</kbd> all shortcuts
        </p>
      )}
    </section>
  )
}
