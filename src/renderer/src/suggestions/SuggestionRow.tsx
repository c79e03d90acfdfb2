import { useState } from 'react'
import type { Suggestion } from '../../../shared/dispatch'
import { formatAgo, formatFullTime, plural } from '../common/format'
import { Fill } from '../common/StationCell'
import { stationKey, type StationIndex } from '../common/stations'
import { stationHash } from '../shell/routes'

/** "18 bikes · 1 free dock": what a proposer saw; "not known" without a status then. */
function seenWords(bikes: number | null, docks: number | null): string {
  if (bikes === null) return 'not known'
  return docks === null
    ? plural(bikes, 'bike')
    : `${plural(bikes, 'bike')} · ${plural(docks, 'free dock')}`
}

/** One end of a move: its name, the numbers when proposed, and the live ones now, labelled. */
function End({
  role,
  index,
  systemId,
  stationId,
  bikes,
  docks,
}: {
  role: 'From' | 'To'
  index: StationIndex | null
  systemId: string
  stationId: string
  bikes: number | null
  docks: number | null
}) {
  const station = index?.get(stationKey(systemId, stationId))
  return (
    <div className="sugg-end">
      <span className="sugg-role">{role}</span>
      <a
        className="station-link sugg-name"
        href={stationHash({ systemId, stationId })}
        title={`${systemId} · station ${stationId}`}
      >
        {station?.name ?? `Station ${stationId}`}
      </a>
      <span className="sugg-numbers">
        <span className="sugg-when">when proposed</span>
        <span className="sugg-seen">{seenWords(bikes, docks)}</span>
      </span>
      <span className="sugg-numbers">
        <span className="sugg-when">now</span>
        <Fill station={station} />
        {station && station.docks !== null && station.bikes !== null && (
          <span className="sugg-docks">· {plural(station.docks, 'free dock')}</span>
        )}
      </span>
    </div>
  )
}

/** Reject's one question, inline: an optional reason. Enter rejects, Esc leaves it. */
function RejectPrompt({
  item,
  onReject,
  onCancel,
}: {
  item: Suggestion
  onReject: (note: string) => void
  onCancel: () => void
}) {
  const [note, setNote] = useState('')
  return (
    <form
      className="sugg-reject"
      onSubmit={(event) => {
        event.preventDefault()
        onReject(note)
      }}
    >
      <input
        className="sugg-reject-input"
        aria-label={`Why reject suggestion ${item.id} (optional)`}
        placeholder="Why? (optional)"
        maxLength={500}
        value={note}
        autoFocus
        onChange={(event) => setNote(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault()
            onCancel()
          }
        }}
      />
      <span className="sugg-actions">
        <button type="submit" className="button button-small button-danger">
          Reject
        </button>
        <button type="button" className="button button-small button-quiet" onClick={onCancel}>
          Cancel
        </button>
      </span>
    </form>
  )
}

export interface SuggestionRowProps {
  item: Suggestion
  index: StationIndex | null
  now: number
  timeZone: string | null
  dispatcher: boolean
  cursor: boolean
  selected: boolean
  busy: boolean
  rejecting: boolean
  onCursor: () => void
  onToggle: () => void
  onApprove: () => void
  onRejectAsk: () => void
  onReject: (note: string) => void
  onRejectCancel: () => void
  onRow: (row: HTMLTableRowElement | null) => void
}

/** One open suggestion: the move, both ends then and now, the reason as proposed, the decision. */
export function SuggestionRow({ onRow, ...props }: SuggestionRowProps) {
  const { item, dispatcher } = props
  return (
    <tr
      ref={onRow}
      className={[props.cursor ? 'row-cursor' : '', props.selected ? 'row-selected' : ''].join(' ')}
      aria-selected={props.cursor}
      onClick={props.onCursor}
    >
      {dispatcher && (
        <td className="check">
          <input
            type="checkbox"
            aria-label={`Select suggestion ${item.id}`}
            checked={props.selected}
            onChange={props.onToggle}
          />
        </td>
      )}
      <td className="sugg-move">
        <span className="num strong sugg-qty">{plural(item.qty, 'bike')}</span>
        <span className="sub" title="Failures avoided: the task's dispatch priority">
          value {item.value.toFixed(1)}
        </span>
      </td>
      <td>
        <End
          role="From"
          index={props.index}
          systemId={item.system_id}
          stationId={item.from_station_id}
          bikes={item.from_bikes}
          docks={item.from_docks}
        />
        <End
          role="To"
          index={props.index}
          systemId={item.system_id}
          stationId={item.to_station_id}
          bikes={item.to_bikes}
          docks={item.to_docks}
        />
      </td>
      <td className="sugg-reason">
        {item.reason || <span className="sub-inline">No reason given</span>}
        <span className="sub" title={formatFullTime(item.created_at, props.timeZone)}>
          #{item.id} · {item.source.replace('_', ' ')} · as proposed{' '}
          {formatAgo(item.created_at, props.now)}
        </span>
      </td>
      {dispatcher && (
        <td className="sugg-decide">
          {props.rejecting ? (
            <RejectPrompt item={item} onReject={props.onReject} onCancel={props.onRejectCancel} />
          ) : (
            <span className="sugg-actions">
              <button
                type="button"
                className="button button-small"
                disabled={props.busy}
                onClick={props.onApprove}
                aria-label={`Approve suggestion ${item.id}`}
              >
                Approve
              </button>
              <button
                type="button"
                className="button button-small button-quiet"
                disabled={props.busy}
                onClick={props.onRejectAsk}
                aria-label={`Reject suggestion ${item.id}`}
              >
                Reject
              </button>
            </span>
          )}
        </td>
      )}
    </tr>
  )
}
