import { useCallback, useMemo, useState } from 'react'
import type { StationLive } from '../../../shared/feeds'
import type { FlowBin, StationProfile } from '../../../shared/flows'
import { ApiError, type ConsoleClient } from '../api/client'
import { fillLevel, fillShare } from '../common/fill'
import { Figure } from '../common/Figure'
import { formatAgo, formatClock, formatFullTime, plural } from '../common/format'
import { Panel } from '../common/Panel'
import { Empty, Failure, Loaded, Loading, Refreshing } from '../common/states'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { stationHash, type StationRef } from '../shell/routes'
import type { ViewProps } from '../shell/view-props'
import { StationFlags } from '../stations/StationFlags'
import {
  addDays,
  binsFor,
  defaultBin,
  flowRows,
  PROFILE_DAYS,
  profileRows,
  RANGE_DAYS,
  type ProfileDays,
  type RangeKind,
} from './chart-data'
import { FlowChart, flowTotals, HistoryChart, ProfileChart } from './charts'

const BIN_LABELS: Record<FlowBin, string> = { '15min': '15 min', hour: 'Hour', day: 'Day' }
const HISTORY_SPANS = { '24 h': 1, '7 d': 7, '30 d': 30 } as const
type HistorySpan = keyof typeof HISTORY_SPANS

/** The profile's refusal when a system has no trips: the page says what to do instead. */
function noTrips(error: string | null, cause: unknown = null): boolean {
  return (
    (cause instanceof ApiError && cause.code === 'no_trips') ||
    (error !== null && /no imported trips/.test(error))
  )
}

function LiveNumbers({ station, now }: { station: StationLive; now: number }) {
  const level = fillLevel(station)
  const share = fillShare(station)
  const n = (value: number | null) => (value === null ? '—' : value.toLocaleString())
  const disabled =
    station.bikesDisabled === null && station.docksDisabled === null
      ? null
      : (station.bikesDisabled ?? 0) + (station.docksDisabled ?? 0)
  return (
    <section className={`panel station-live${station.stale ? ' station-live-stale' : ''}`}>
      <div className="stats">
        <Figure
          label="Bikes"
          value={n(station.bikes)}
          tone={station.stale ? 'quiet' : level === 'empty' || level === 'low' ? 'bad' : undefined}
        />
        <Figure
          label="E-bikes"
          value={n(station.ebikes)}
          tone={station.stale ? 'quiet' : undefined}
        />
        <Figure
          label="Docks"
          value={n(station.docks)}
          tone={station.stale ? 'quiet' : level === 'full' || level === 'high' ? 'bad' : undefined}
        />
        <Figure
          label="Disabled"
          value={n(disabled)}
          tone="quiet"
          hint={`${station.bikesDisabled ?? 0} bikes, ${station.docksDisabled ?? 0} docks out of service`}
        />
        <Figure label="Capacity" value={n(station.capacity)} tone="quiet" />
        <Figure
          label="Fill"
          value={share === null ? '—' : `${Math.round(share * 100)}%`}
          tone={station.stale ? 'quiet' : undefined}
        />
        <Figure
          label="Score"
          value={station.stale || station.score === null ? '—' : station.score}
          tone={(station.score ?? 0) >= 70 ? 'bad' : (station.score ?? 0) > 0 ? 'warn' : 'quiet'}
          hint="The seed's urgency: 70 for 2 bikes or fewer, 30 for 2 docks or fewer"
        />
      </div>
      <div className="station-live-foot">
        <StationFlags station={station} />
        <span className="muted" title={formatFullTime(station.lastReported, station.timeZone)}>
          Last reported {formatClock(station.lastReported, station.timeZone)} (
          {formatAgo(station.lastReported, now)})
        </span>
        {station.stale && station.staleDetail && (
          <span className="stale-words">Not live: {station.staleDetail}</span>
        )}
      </div>
    </section>
  )
}

function Segmented<T extends string>({
  label,
  options,
  value,
  onChange,
  disabled = [],
}: {
  label: string
  options: readonly { value: T; label: string }[]
  value: T
  onChange: (value: T) => void
  disabled?: readonly T[]
}) {
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          className={option.value === value ? 'segment segment-on' : 'segment'}
          aria-pressed={option.value === value}
          disabled={disabled.includes(option.value)}
          onClick={() => onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  )
}

/** Arrivals and departures over a day, a week or a month of the imported trips. */
function FlowsPanel({
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

function ProfilePanel({ profile }: { profile: StationProfile }) {
  const [days, setDays] = useState<ProfileDays>('weekdays')
  const rows = useMemo(() => profileRows(profile, PROFILE_DAYS[days]), [profile, days])
  return (
    <Panel
      title="Day-of-week profile"
      meta={`mean trips per hour, ${profile.from} to ${addDays(profile.to, -1)}`}
      actions={
        <Segmented
          label="Days"
          value={days}
          onChange={setDays}
          options={[
            { value: 'weekdays', label: 'Mon–Fri' },
            { value: 'weekend', label: 'Sat–Sun' },
            { value: 'all', label: 'All' },
          ]}
        />
      }
    >
      <ProfileChart rows={rows} />
    </Panel>
  )
}

function HistoryPanel({ client, station }: { client: ConsoleClient; station: StationRef }) {
  const [span, setSpan] = useState<HistorySpan>('24 h')
  const load = useCallback(
    () =>
      client.invoke('stations:history', {
        systemId: station.systemId,
        stationId: station.stationId,
        from: new Date(Date.now() - HISTORY_SPANS[span] * 86_400_000).toISOString(),
      }),
    [client, station.systemId, station.stationId, span],
  )
  const history = useResource(client, load, { events: ['stations:changed', 'app:resync'] })
  return (
    <Panel
      title="Bikes over time"
      meta={
        history.data && (
          <span className="flow-totals">
            <span className="legend-swatch legend-bikes" aria-hidden="true" />
            Bikes
            <span className="legend-swatch legend-docks" aria-hidden="true" />
            Docks
            <span className="muted">
              {plural(history.data.changes, 'change')}
              {history.data.bucketSeconds === null
                ? ''
                : `, sampled to ${history.data.points.length.toLocaleString()} points`}
            </span>
          </span>
        )
      }
      actions={
        <Segmented
          label="History"
          value={span}
          onChange={setSpan}
          options={Object.keys(HISTORY_SPANS).map((value) => ({
            value: value as HistorySpan,
            label: value,
          }))}
        />
      }
    >
      <Loaded resource={history} what="history">
        {(data) =>
          data.points.length === 0 ? (
            <Empty title="No status recorded in this range">
              The history fills in as the feed is polled.
            </Empty>
          ) : (
            <HistoryChart history={data} />
          )
        }
      </Loaded>
    </Panel>
  )
}

function distance(meters: number): string {
  return meters < 1_000 ? `${Math.round(meters)} m` : `${(meters / 1_000).toFixed(1)} km`
}

function NearbyPanel({ client, station }: { client: ConsoleClient; station: StationRef }) {
  const load = useCallback(
    () =>
      client.invoke('stations:nearby', {
        systemId: station.systemId,
        stationId: station.stationId,
        limit: 8,
      }),
    [client, station.systemId, station.stationId],
  )
  const nearby = useResource(client, load, { events: ['stations:changed', 'app:resync'] })
  return (
    <Panel title="Nearby stations">
      <Loaded resource={nearby} what="nearby stations">
        {(others) =>
          others.length === 0 ? (
            <Empty title="No other station in this system" />
          ) : (
            <table className="table table-rows">
              <thead>
                <tr>
                  <th>Station</th>
                  <th className="right">Distance</th>
                  <th className="right">Bikes</th>
                  <th className="right">Docks</th>
                  <th className="right">Fill</th>
                </tr>
              </thead>
              <tbody>
                {others.map((other) => {
                  const share = fillShare(other)
                  const level = fillLevel(other)
                  return (
                    <tr key={other.stationId} className={other.stale ? 'row-stale' : undefined}>
                      <td className="cell-name">
                        <a href={stationHash(other)} className="station-link">
                          {other.name}
                        </a>
                      </td>
                      <td className="right num">{distance(other.distanceMeters)}</td>
                      <td
                        className={`right num${level === 'empty' || level === 'low' ? ' num-alert' : ''}`}
                      >
                        {other.bikes ?? '—'}
                      </td>
                      <td
                        className={`right num${level === 'full' || level === 'high' ? ' num-alert' : ''}`}
                      >
                        {other.docks ?? '—'}
                      </td>
                      <td className="right num">
                        {other.stale ? (
                          <span className="muted" title={other.staleDetail ?? undefined}>
                            not live
                          </span>
                        ) : share === null ? (
                          '—'
                        ) : (
                          `${Math.round(share * 100)}%`
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Panel>
  )
}

function WorkPanel({
  client,
  station,
  names,
  timeZone,
}: {
  client: ConsoleClient
  station: StationRef
  names: (stationId: string) => string
  timeZone: string | null
}) {
  const loadSuggestions = useCallback(
    () =>
      client.invoke('suggestions:list', {
        system: station.systemId,
        station: station.stationId,
        status: 'open',
      }),
    [client, station.systemId, station.stationId],
  )
  const loadTasks = useCallback(
    () =>
      client.invoke('tasks:list', {
        system: station.systemId,
        station: station.stationId,
        limit: 10,
      }),
    [client, station.systemId, station.stationId],
  )
  const suggestions = useResource(client, loadSuggestions, {
    events: ['tasks:changed', 'app:resync'],
  })
  const tasks = useResource(client, loadTasks, { events: ['tasks:changed', 'app:resync'] })
  const direction = (from: string, to: string) =>
    from === station.stationId ? `to ${names(to)}` : `from ${names(from)}`
  return (
    <Panel title="Suggestions and tasks">
      {suggestions.error || tasks.error ? (
        <Failure
          title="Suggestions and tasks unavailable"
          detail={suggestions.error ?? tasks.error ?? ''}
          onRetry={() => {
            suggestions.reload()
            tasks.reload()
          }}
        />
      ) : !suggestions.data || !tasks.data ? (
        <Loading what="suggestions and tasks" />
      ) : suggestions.data.length === 0 && tasks.data.tasks.length === 0 ? (
        <Empty title="Nothing planned here">No open suggestion or task touches this station.</Empty>
      ) : (
        <ul className="work-list">
          {suggestions.data.map((s) => (
            <li key={`s${s.id}`}>
              <span className="badge badge-warn">Suggested</span>
              <span className="num">{plural(s.qty, 'bike')}</span>
              <span>{direction(s.from_station_id, s.to_station_id)}</span>
              <span className="muted work-reason">{s.reason}</span>
            </li>
          ))}
          {tasks.data.tasks.map((t) => (
            <li key={`t${t.id}`}>
              <span
                className={`badge badge-${t.status === 'completed' ? 'ok' : t.status === 'canceled' ? 'quiet' : t.stale ? 'bad' : 'warn'}`}
              >
                Task #{t.id} {t.status}
              </span>
              <span className="num">{plural(t.qty, 'bike')}</span>
              <span>{direction(t.from_station_id, t.to_station_id)}</span>
              <span className="muted" title={formatFullTime(t.created_at, timeZone)}>
                {t.worker_id ? `crew ${t.worker_id} · ` : ''}
                {formatClock(t.created_at, timeZone)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  )
}

/** One station: its numbers now, its flows, its history, its neighbours and the work planned for it. */
export function StationView({ client, station }: ViewProps & { station: StationRef }) {
  const now = useNow(5_000)
  const loadLive = useCallback(
    () =>
      client.invoke('feeds:stations', {
        systemId: station.systemId,
        stationId: station.stationId,
      }),
    [client, station.systemId, station.stationId],
  )
  const live = useResource(client, loadLive, { events: ['stations:changed', 'app:resync'] })
  const loadProfile = useCallback(
    () =>
      client.invoke('flows:profile', {
        systemId: station.systemId,
        stationId: station.stationId,
        bin: 'hour',
      }),
    [client, station.systemId, station.stationId],
  )
  const profile = useResource(client, loadProfile)
  const loadNames = useCallback(
    () => client.invoke('feeds:stations', { systemId: station.systemId }),
    [client, station.systemId],
  )
  const names = useResource(client, loadNames)
  const nameOf = (stationId: string) =>
    names.data?.find((s) => s.stationId === stationId)?.name ?? `station ${stationId}`

  const current = live.data?.find(
    (s) => s.systemId === station.systemId && s.stationId === station.stationId,
  )
  const withoutTrips = noTrips(profile.error)

  return (
    <section className="view station-view">
      <header className="view-header">
        <a href="#/stations" className="back-link">
          ← Stations
        </a>
        <h1>{current?.name ?? `Station ${station.stationId}`}</h1>
        <span className="view-meta">
          {current?.systemName ?? station.systemId} · station {station.stationId}
          {current?.shortName ? ` · ${current.shortName}` : ''}
          {current?.regionId ? ` · region ${current.regionId}` : ''}
        </span>
        <Refreshing active={live.loading && live.data !== null} />
      </header>
      {live.error && !live.data ? (
        <Failure title="Station unavailable" detail={live.error} onRetry={live.reload} />
      ) : !live.data ? (
        <Loading what="the station" />
      ) : !current ? (
        <Empty title="No such active station">
          {station.systemId} has no active station {station.stationId}: it may have left the feed.
        </Empty>
      ) : (
        <>
          <LiveNumbers station={current} now={now} />
          <div className="station-grid">
            {withoutTrips ? (
              <Panel title="Trips in and out" className="panel-wide">
                <Empty title="Import trips to see flows">
                  No trips are imported for {current.systemName}: import Lyft trip files (balancer
                  import-trips, or Trip import in the desktop app) to see arrivals and departures
                  here.
                </Empty>
              </Panel>
            ) : profile.error ? (
              <Panel title="Trips in and out" className="panel-wide">
                <Failure
                  title="Flows unavailable"
                  detail={profile.error}
                  onRetry={profile.reload}
                />
              </Panel>
            ) : !profile.data ? (
              <Panel title="Trips in and out" className="panel-wide">
                <Loading what="flows" />
              </Panel>
            ) : (
              <FlowsPanel client={client} station={station} imported={profile.data} />
            )}
            <HistoryPanel client={client} station={station} />
            {profile.data ? (
              <ProfilePanel profile={profile.data} />
            ) : (
              <Panel title="Day-of-week profile">
                {withoutTrips ? (
                  <Empty title="Import trips to see flows" />
                ) : (
                  <Loading what="the profile" />
                )}
              </Panel>
            )}
            <NearbyPanel client={client} station={station} />
            <WorkPanel
              client={client}
              station={station}
              names={nameOf}
              timeZone={current.timeZone}
            />
          </div>
        </>
      )}
    </section>
  )
}
