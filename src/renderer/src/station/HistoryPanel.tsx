import { useCallback, useState } from 'react'
import { historyCsv } from '../../../shared/station-csv'
import { MAX_HISTORY_DAYS, type StationHistory } from '../../../shared/stations'
import type { ConsoleClient } from '../api/client'
import { plural } from '../common/format'
import { Panel } from '../common/Panel'
import { Segmented } from '../common/Segmented'
import { Empty, Loaded } from '../common/states'
import { useResource } from '../common/useResource'
import type { StationRef } from '../shell/routes'
import { addDays, RANGE_DAYS, type RangeKind } from './chart-data'
import { HistoryChart } from './charts'
import { ExportCsv } from './ExportCsv'

const DAY_MS = 86_400_000

/**
 * The range shown: a day, week or month ending at `end` (null: now), or two dates (local, the
 * last one included).
 */
export type HistoryRange =
  { kind: RangeKind; end: number | null } | { kind: 'dates'; from: string; to: string }

/** What the API is asked for a range: instants for the spans, local dates for two dates. */
export function historyRequest(range: HistoryRange, now: number): { from: string; to?: string } {
  if (range.kind === 'dates') return { from: range.from, to: addDays(range.to, 1) }
  const end = range.end ?? now
  return {
    from: new Date(end - RANGE_DAYS[range.kind] * DAY_MS).toISOString(),
    ...(range.end === null ? {} : { to: new Date(range.end).toISOString() }),
  }
}

/** Nothing at all was read in the range: every moment of it lies in a gap. */
export function nothingRead(history: StationHistory): boolean {
  const from = Date.parse(history.from)
  const end = Math.max(from, ...history.points.map((p) => Date.parse(p.at)))
  const covered = history.gaps.reduce(
    (sum, gap) => sum + Math.min(end, Date.parse(gap.to)) - Math.max(from, Date.parse(gap.from)),
    0,
  )
  return history.points.length === 0 || covered >= end - from
}

/**
 * Two dates the API answers: the one just chosen kept, the other moved to make a week when they
 * would be the wrong way round or further apart than a history may cover.
 */
export function datesWithin(from: string, to: string, chosen: 'from' | 'to'): HistoryRange {
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS
  if (days >= 0 && days < MAX_HISTORY_DAYS) return { kind: 'dates', from, to }
  return chosen === 'from'
    ? { kind: 'dates', from, to: addDays(from, 6) }
    : { kind: 'dates', from: addDays(to, -6), to }
}

const localDate = (at: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(new Date(at))

/** Bikes and docks over a day, a week, a month or two dates, gaps shaded where nothing was read. */
export function HistoryPanel({ client, station }: { client: ConsoleClient; station: StationRef }) {
  const [range, setRange] = useState<HistoryRange>({ kind: 'day', end: null })
  // Until a person chooses, the range moves to the last one that has data.
  const [chosen, setChosen] = useState(false)
  const choose = (next: HistoryRange) => {
    setChosen(true)
    setRange(next)
  }
  // Where an untouched day, week or month ends when "now" had nothing: the last reading.
  const [shownEnd, setShownEnd] = useState<number | null>(null)
  const load = useCallback(async () => {
    const ask = (asked: HistoryRange) =>
      client.invoke('stations:history', {
        systemId: station.systemId,
        stationId: station.stationId,
        ...historyRequest(asked, Date.now()),
      })
    const answer = await ask(range)
    if (chosen || range.kind === 'dates' || range.end !== null || !answer.lastDataAt) return answer
    const last = Date.parse(answer.lastDataAt)
    if (!nothingRead(answer) || last >= Date.parse(answer.from)) return answer
    setShownEnd(last)
    return ask({ kind: range.kind, end: last })
  }, [client, station.systemId, station.stationId, range, chosen])
  const history = useResource(client, load, { events: ['stations:changed', 'app:resync'] })
  const data = history.data
  const end = range.kind === 'dates' ? null : (range.end ?? shownEnd)

  const span = range.kind === 'dates' ? null : RANGE_DAYS[range.kind] * DAY_MS
  const step = (direction: -1 | 1) => {
    if (range.kind === 'dates' || span === null) return
    const next = (end ?? Date.now()) + direction * span
    choose({ kind: range.kind, end: next >= Date.now() ? null : next })
  }
  const zone = data?.timeZone ?? 'UTC'
  return (
    <Panel
      title="Bikes over time"
      meta={
        data && (
          <span className="flow-totals">
            <span className="legend-swatch legend-bikes" aria-hidden="true" />
            Bikes
            <span className="legend-swatch legend-docks" aria-hidden="true" />
            Docks
            {data.gaps.length > 0 && (
              <span className="legend-item" title="No status reading: nothing is drawn there">
                <span className="legend-swatch legend-gap" aria-hidden="true" />
                No data
              </span>
            )}
            <span className="muted">
              {plural(data.changes, 'change')}
              {data.bucketSeconds === null
                ? ''
                : `, sampled to ${data.points.length.toLocaleString()} points`}
            </span>
          </span>
        )
      }
      actions={
        <>
          <Segmented
            label="History range"
            value={range.kind}
            onChange={(kind) => {
              if (kind === 'dates') {
                const last = localDate((end ?? Date.now()) - 1, zone)
                choose({ kind, from: addDays(last, -6), to: last })
              } else {
                choose({ kind, end })
              }
            }}
            options={[
              { value: 'day', label: 'Day' },
              { value: 'week', label: 'Week' },
              { value: 'month', label: 'Month' },
              { value: 'dates', label: 'Dates' },
            ]}
          />
          {range.kind === 'dates' ? (
            <>
              <label className="field">
                <span className="visually-hidden">From</span>
                <input
                  type="date"
                  aria-label="History from"
                  value={range.from}
                  max={range.to}
                  onChange={(event) => {
                    if (/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) {
                      choose(datesWithin(event.target.value, range.to, 'from'))
                    }
                  }}
                />
              </label>
              <label className="field">
                <span className="visually-hidden">To</span>
                <input
                  type="date"
                  aria-label="History to"
                  value={range.to}
                  min={range.from}
                  onChange={(event) => {
                    if (/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) {
                      choose(datesWithin(range.from, event.target.value, 'to'))
                    }
                  }}
                />
              </label>
            </>
          ) : (
            <>
              <button
                type="button"
                className="button button-small button-quiet"
                aria-label="Earlier history"
                onClick={() => step(-1)}
              >
                ‹
              </button>
              <button
                type="button"
                className="button button-small button-quiet"
                aria-label="Later history"
                disabled={end === null}
                onClick={() => step(1)}
              >
                ›
              </button>
            </>
          )}
          {data && <ExportCsv what="history" file={() => historyCsv(data)} />}
        </>
      }
    >
      <Loaded resource={history} what="history">
        {(answer) =>
          answer.points.length === 0 ? (
            <Empty title="No status recorded in this range">
              The history fills in as the feed is polled.
              {answer.lastDataAt && (
                <> The last reading was {new Date(answer.lastDataAt).toLocaleString()}.</>
              )}
            </Empty>
          ) : (
            <>
              <HistoryChart history={answer} />
              <p className="hint">
                {new Date(answer.from).toLocaleString(undefined, { timeZone: answer.timeZone })} to{' '}
                {new Date(answer.to).toLocaleString(undefined, { timeZone: answer.timeZone })} on
                the system’s clock ({answer.timeZone})
                {answer.gaps.length > 0
                  ? `; shaded: ${plural(answer.gaps.length, 'stretch', 'stretches')} with no status reading, where nothing is drawn`
                  : ''}
                .
              </p>
            </>
          )
        }
      </Loaded>
    </Panel>
  )
}
