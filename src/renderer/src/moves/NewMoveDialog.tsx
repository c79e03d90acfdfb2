import { useCallback, useEffect, useRef, useState } from 'react'
import type { Session, Task } from '../../../shared/dispatch'
import type { StationLive } from '../../../shared/feeds'
import { fitsQtyOf, type ConsoleClient } from '../api/client'
import { messageOf, plural } from '../common/format'
import { useResource } from '../common/useResource'
import { canDispatch } from '../shell/view-props'
import { stationRowKey } from '../stations/table-model'
import { StationPicker } from './StationPicker'

export interface MoveEnds {
  systemId: string
  from?: string
  to?: string
}

/**
 * A move made by hand: from and to (searchable), bikes, priority and optionally the crew that
 * should do it. Refused when the live numbers contradict it, with the bikes that would fit:
 * "Ask for 5 instead" sends that.
 */
export function NewMoveDialog({
  client,
  ends,
  onClose,
  onCreated,
}: {
  client: ConsoleClient
  ends: MoveEnds
  onClose: () => void
  onCreated?: (task: Task) => void
}) {
  const loadStations = useCallback(
    () => client.invoke('feeds:stations', { systemId: ends.systemId }),
    [client, ends.systemId],
  )
  const stations = useResource(client, loadStations)
  const loadCrews = useCallback(() => client.invoke('crews:list'), [client])
  const crews = useResource(client, loadCrews)
  const [from, setFrom] = useState(ends.from ?? '')
  const [to, setTo] = useState(ends.to ?? '')
  const [qty, setQty] = useState('4')
  const [priority, setPriority] = useState('0')
  const [crew, setCrew] = useState('')
  const [reason, setReason] = useState('')
  const [working, setWorking] = useState(false)
  const [refusal, setRefusal] = useState<{ words: string; fits: number | null } | null>(null)
  const [created, setCreated] = useState<Task | null>(null)
  const first = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    first.current?.focus()
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault()
        onClose()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [onClose])

  const sorted = [...(stations.data ?? [])].sort((a, b) => a.name.localeCompare(b.name))
  const nameOf = (id: string) => sorted.find((s) => s.stationId === id)?.name ?? id
  const count = Number(qty)
  const missing = !from ? 'Choose where the bikes come from' : !to ? 'Choose where they go' : null
  const invalid =
    missing ??
    (from === to
      ? 'From and to must be different stations'
      : !Number.isInteger(count) || count < 1 || count > 200
        ? 'Bikes: a whole number from 1 to 200'
        : !Number.isFinite(Number(priority))
          ? 'Priority: a number'
          : null)

  async function send(bikes: number) {
    setWorking(true)
    setRefusal(null)
    try {
      const task = await client.invoke('tasks:create', {
        system_id: ends.systemId,
        from_station_id: from,
        to_station_id: to,
        qty: bikes,
        priority: Number(priority),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        ...(crew ? { crew_id: crew } : {}),
      })
      setCreated(task)
      onCreated?.(task)
    } catch (error) {
      setRefusal({ words: messageOf(error), fits: fitsQtyOf(error) })
    } finally {
      setWorking(false)
    }
  }

  return (
    <div className="overlay" onClick={onClose}>
      <div
        className="dialog move-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="move-title"
        onClick={(event) => event.stopPropagation()}
      >
        <header className="dialog-header">
          <h2 id="move-title" ref={first} tabIndex={-1}>
            New move
          </h2>
          <button type="button" className="button button-quiet" onClick={onClose}>
            Close
          </button>
        </header>
        {created ? (
          <div className="move-done" role="status">
            <p>
              Task #{created.id}: {created.qty} bikes from {nameOf(created.from_station_id)} to{' '}
              {nameOf(created.to_station_id)} is ready
              {created.for_crew ? ` for crew ${created.for_crew}` : ''}.
            </p>
            <a className="button" href={`#/task/${created.id}`} onClick={onClose}>
              Open task #{created.id}
            </a>
          </div>
        ) : (
          <form
            className="move-form"
            onSubmit={(event) => {
              event.preventDefault()
              if (!invalid) void send(count)
            }}
          >
            <div className="move-ends">
              <StationPicker label="From" stations={sorted} value={from} onChange={setFrom} />
              <StationPicker label="To" stations={sorted} value={to} onChange={setTo} />
            </div>
            <div className="move-fields">
              <label className="field field-narrow">
                <span>Bikes</span>
                <input
                  type="number"
                  min={1}
                  max={200}
                  value={qty}
                  onChange={(event) => setQty(event.target.value)}
                />
              </label>
              <label className="field field-narrow">
                <span>Priority</span>
                <input
                  type="number"
                  value={priority}
                  onChange={(event) => setPriority(event.target.value)}
                />
              </label>
              <label className="field field-narrow">
                <span>Crew</span>
                <select value={crew} onChange={(event) => setCrew(event.target.value)}>
                  <option value="">Any crew</option>
                  {(crews.data ?? []).map((c) => (
                    <option key={c.crew_id} value={c.crew_id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>Reason (optional)</span>
                <input value={reason} onChange={(event) => setReason(event.target.value)} />
              </label>
            </div>
            {stations.error && <p className="form-error">{stations.error}</p>}
            {refusal && (
              <div className="move-refusal" role="alert">
                <p>{refusal.words}</p>
                {refusal.fits !== null && refusal.fits > 0 && (
                  <button
                    type="button"
                    className="button button-small"
                    disabled={working}
                    onClick={() => {
                      setQty(String(refusal.fits))
                      void send(refusal.fits ?? count)
                    }}
                  >
                    Ask for {refusal.fits} instead
                  </button>
                )}
              </div>
            )}
            <footer className="move-actions">
              <span className="move-hint">
                {invalid ?? `${plural(count, 'bike')}, ${nameOf(from)} → ${nameOf(to)}`}
              </span>
              <button type="submit" className="button" disabled={working || invalid !== null}>
                {working ? 'Creating…' : 'Create task'}
              </button>
            </footer>
          </form>
        )}
      </div>
    </div>
  )
}

/** A move within this system (from this station), or none when no system is known yet. */
export function endsIn(systemId: string | null | undefined, from?: string): MoveEnds | null {
  return systemId ? { systemId, ...(from ? { from } : {}) } : null
}

/** The stations table's move: from the row under the cursor, else in the first row's system. */
export function movesFrom(rows: readonly StationLive[], cursor: string | null): MoveEnds | null {
  const at = rows.find((station) => stationRowKey(station) === cursor)
  return at ? endsIn(at.systemId, at.stationId) : endsIn(rows[0]?.systemId)
}

/** The button that opens the dialog, for a station's page, the stations table and the map. */
export function NewMoveButton({
  client,
  session,
  ends,
  label = 'New move',
  className = 'button button-small',
}: {
  client: ConsoleClient
  session: Session
  ends: MoveEnds | null
  label?: string
  className?: string
}) {
  const [open, setOpen] = useState(false)
  const close = useCallback(() => setOpen(false), [])
  if (!canDispatch(session)) return null
  return (
    <>
      <button type="button" className={className} disabled={!ends} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open && ends && <NewMoveDialog client={client} ends={ends} onClose={close} />}
    </>
  )
}
