import { useCallback, useMemo, useState } from 'react'
import type { FlowBin } from '../../../shared/flows'
import type { ConsoleClient } from '../api/client'
import { plural } from '../common/format'
import { Panel } from '../common/Panel'
import { Segmented } from '../common/Segmented'
import { Failure, Loading, Refreshing } from '../common/states'
import { useResource } from '../common/useResource'
import type { StationRef } from '../shell/routes'
import { addDays, binsFor, defaultBin, flowRows, RANGE_DAYS, type RangeKind } from './chart-data'
import { FlowChart, flowTotals } from './charts'
import { ExportCsv } from './ExportCsv'
import { flowSeriesCsv } from '../../../shared/station-csv'

const BIN_LABELS: Record<FlowBin, string> = { '15min': '15 min', hour: 'Hour', day: 'Day' }

/** Arrivals and departures over a day, a week or a month of the imported trips. */
export function FlowsPanel({
  client,
  station,
  imported,
}: {
  client: ConsoleClient
  station: StationRef
  imported: { from: string; to: string }
}) {
  const [kind, setKind] = useState<RangeKind>('week')
  const [bin, setBin] = useState<FlowBin>(defaultBin('week'))
  // Exclusive end, a local date: the day after the last day of trips, at first.
  const [end, setEnd] = useState(imported.to)
  const from = addDays(end, -RANGE_DAYS[kind])
  const load = useCallback(
    () =>
      client.invoke('flows:station', {
        systemId: station.systemId,
        stationId: station.stationId,
        from,
        to: end,
        bin,
      }),
    [client, station.systemId, station.stationId, from, end, bin],
  )
  const series = useResource(client, load)
  const loaded = series.data
  const rows = useMemo(() => (series.data ? flowRows(series.data) : []), [series.data])
  const totals = flowTotals(rows)
  const chooseKind = (next: RangeKind) => {
    setKind(next)
    if (!binsFor(next).includes(bin)) setBin(defaultBin(next))
  }
  const allowed = binsFor(kind)
  return (
    <Panel
      title="Trips in and out"
      className="panel-wide"
      meta={
        series.data && (
          <span className="flow-totals">
            <span>
              <span className="legend-swatch legend-in" aria-hidden="true" />
              Arrivals <strong className="num">{totals.inflow.toLocaleString()}</strong>
            </span>
            <span>
              <span className="legend-swatch legend-out" aria-hidden="true" />
              Departures <strong className="num">{totals.outflow.toLocaleString()}</strong>
            </span>
            <span className="muted">
              Net {totals.inflow - totals.outflow > 0 ? '+' : ''}
              {(totals.inflow - totals.outflow).toLocaleString()}
            </span>
          </span>
        )
      }
      actions={
        <>
          <Segmented
            label="Range"
            value={kind}
            onChange={chooseKind}
            options={[
              { value: 'day', label: 'Day' },
              { value: 'week', label: 'Week' },
              { value: 'month', label: 'Month' },
            ]}
          />
          <button
            type="button"
            className="button button-small button-quiet"
            aria-label="Earlier"
            onClick={() => setEnd(addDays(end, -RANGE_DAYS[kind]))}
          >
            ‹
          </button>
          <label className="field">
            <span className="visually-hidden">Last day</span>
            <input
              type="date"
              value={addDays(end, -1)}
              onChange={(event) => {
                if (/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) {
                  setEnd(addDays(event.target.value, 1))
                }
              }}
            />
          </label>
          <button
            type="button"
            className="button button-small button-quiet"
            aria-label="Later"
            onClick={() => setEnd(addDays(end, RANGE_DAYS[kind]))}
          >
            ›
          </button>
          <label className="field">
            Bin
            <select value={bin} onChange={(event) => setBin(event.target.value as FlowBin)}>
              {(['15min', 'hour', 'day'] as const).map((option) => (
                <option key={option} value={option} disabled={!allowed.includes(option)}>
                  {BIN_LABELS[option]}
                </option>
              ))}
            </select>
          </label>
          {loaded && <ExportCsv what="flows" file={() => flowSeriesCsv(loaded)} />}
        </>
      }
    >
      <Refreshing active={series.loading && series.data !== null} />
      {series.error ? (
        <Failure title="Flows unavailable" detail={series.error} onRetry={series.reload} />
      ) : !series.data ? (
        <Loading what="flows" />
      ) : (
        <>
          <FlowChart series={series.data} rows={rows} />
          <p className="hint">
            {from} to {addDays(end, -1)} on the system’s clock ({series.data.timeZone}),{' '}
            {plural(rows.length, 'bin')} of {BIN_LABELS[bin].toLowerCase()}. Trips were imported for{' '}
            {imported.from} to {addDays(imported.to, -1)}.
          </p>
        </>
      )}
    </Panel>
  )
}
