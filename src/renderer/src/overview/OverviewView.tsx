import { useCallback } from 'react'
import type { FeedsHealth } from '../../../shared/feeds'
import { formatAgo, formatClock, formatFullTime, plural } from '../common/format'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { useStations } from '../common/stations'
import { useNow } from '../common/useNow'
import { useResource, type Resource } from '../common/useResource'
import { describeFreshness, staleSystems } from '../shell/TopBar'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { showStations } from '../stations/table-model'
import { countStations } from './station-counts'

/** One number; with `href`, a link to what it counts (the filtered stations, tasks, ...). */
function Stat({
  label,
  value,
  tone,
  hint,
  href,
  onOpen,
}: {
  label: string
  value: number | null
  tone?: 'bad' | 'warn' | 'ok' | 'quiet'
  hint?: string
  href?: string
  onOpen?: () => void
}) {
  const body = (
    <>
      <span className="stat-value num">{value === null ? '—' : value.toLocaleString()}</span>
      <span className="stat-label">{label}</span>
    </>
  )
  const className = `stat${tone ? ` stat-${tone}` : ''}`
  return href ? (
    <a className={`${className} stat-link`} title={hint} href={href} onClick={onOpen}>
      {body}
    </a>
  ) : (
    <div className={className} title={hint}>
      {body}
    </div>
  )
}

/** The station counts the Stations card shows, in order: label, count, tone, hint. */
const STATION_STATS = [
  ['Empty', 'empty', 'bad', 'No bike to rent'],
  ['Nearly empty', 'nearlyEmpty', 'warn', '1 or 2 bikes'],
  ['Full', 'full', 'bad', 'No dock free'],
  ['Nearly full', 'nearlyFull', 'warn', '1 or 2 docks free'],
  ['Not live', 'notLive', 'quiet', 'Stale or missing numbers: not counted above'],
] as const

function Card({
  title,
  meta,
  children,
}: {
  title: string
  meta?: string
  children: React.ReactNode
}) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-header">
        <h2>{title}</h2>
        {meta && <span className="card-meta">{meta}</span>}
      </header>
      {children}
    </section>
  )
}

/** The shift at a glance: stations in trouble, the task pipeline, crews, and feed freshness. */
export function OverviewView({
  client,
  session,
  timeZone,
  feeds,
}: ViewProps & { feeds: Resource<FeedsHealth> }) {
  const now = useNow(5_000)
  const stations = useStations(client)
  const loadSummary = useCallback(() => client.invoke('tasks:summary'), [client])
  const summary = useResource(client, loadSummary, { events: ['tasks:changed', 'app:resync'] })
  const loadCrews = useCallback(() => client.invoke('crews:list'), [client])
  // Heartbeats are not announced: crews' health is asked again every half minute.
  const crews = useResource(client, loadCrews, {
    events: ['tasks:changed', 'app:resync'],
    intervalMs: 30_000,
  })

  const loadWaiting = useCallback(async () => {
    const [suggestions, problems] = await Promise.all([
      client.invoke('suggestions:list', { status: 'open' }),
      client.invoke('problems:list', { status: 'open' }),
    ])
    return { suggestions: suggestions.length, problems: problems.length }
  }, [client])
  // The engine's runs and other desks' decisions are not announced: asked every half minute.
  const waiting = useResource(client, loadWaiting, {
    events: ['tasks:changed', 'problems:changed', 'app:resync'],
    intervalMs: 30_000,
  })
  const crewsHref = canDispatch(session) ? '#/crews' : undefined

  // A stopped feed announces nothing: its stations stop counting as live when the feed turns
  // stale on this page's clock, not at the next poll the server announces.
  const notLiveSystems = staleSystems(feeds.data?.feeds ?? [], now)
  const counts = stations.data ? countStations(stations.data.values(), notLiveSystems) : null
  const activeCrews = crews.data?.filter(
    (crew) => crew.health === 'Healthy' || crew.health === 'Warning',
  )
  const busyCrews = crews.data?.filter((crew) => crew.assigned_tasks > 0)

  return (
    <section className="view">
      <header className="view-header">
        <h1>Overview</h1>
        <Refreshing
          active={stations.loading || summary.loading || crews.loading || waiting.loading}
        />
      </header>
      <div className="cards">
        <Card
          title="Stations now"
          meta={
            counts
              ? `${plural(counts.live, 'live station')}${counts.notLive ? `, ${counts.notLive.toLocaleString()} not live` : ''}`
              : undefined
          }
        >
          {stations.error && !stations.data ? (
            <Failure
              title="Stations unavailable"
              detail={stations.error}
              onRetry={stations.reload}
            />
          ) : !counts ? (
            <Loading what="stations" />
          ) : counts.live + counts.notLive === 0 ? (
            <Empty title="No stations yet">
              They appear after the first successful poll of a GBFS feed.
            </Empty>
          ) : (
            <div className="stats">
              {STATION_STATS.map(([label, count, tone, hint]) => (
                <Stat
                  key={label}
                  label={label}
                  value={counts[count]}
                  tone={tone}
                  hint={hint}
                  href="#/stations"
                  onOpen={() => showStations({ level: count })}
                />
              ))}
            </div>
          )}
        </Card>

        <Card title="Tasks" meta={summary.data ? 'live' : undefined}>
          {summary.error && !summary.data ? (
            <Failure title="Tasks unavailable" detail={summary.error} onRetry={summary.reload} />
          ) : !summary.data ? (
            <Loading what="tasks" />
          ) : (
            <div className="stats">
              <Stat label="Ready" value={summary.data.byStatus.ready} href="#/tasks" />
              <Stat label="Assigned" value={summary.data.byStatus.assigned} href="#/tasks" />
              <Stat
                label="Stale lease"
                value={summary.data.stale}
                tone={summary.data.stale > 0 ? 'bad' : 'quiet'}
                hint="Assigned longer than the lease: check on the crew"
                href="#/tasks"
              />
              <Stat
                label="Done"
                value={summary.data.byStatus.completed}
                tone="quiet"
                hint="Completed"
                href="#/tasks"
              />
              <Stat
                label="Canceled"
                value={summary.data.byStatus.canceled}
                tone="quiet"
                href="#/tasks"
              />
            </div>
          )}
        </Card>

        <Card title="Waiting for a decision">
          {waiting.error && !waiting.data ? (
            <Failure title="Unavailable" detail={waiting.error} onRetry={waiting.reload} />
          ) : !waiting.data ? (
            <Loading what="suggestions and problems" />
          ) : (
            <div className="stats">
              <Stat
                label="Suggestions"
                value={waiting.data.suggestions}
                tone={waiting.data.suggestions > 0 ? 'warn' : 'quiet'}
                hint="Open suggestions: approve or reject them"
                href="#/suggestions"
              />
              <Stat
                label="Open problems"
                value={waiting.data.problems}
                tone={waiting.data.problems > 0 ? 'bad' : 'quiet'}
                hint="Reported by crews, not resolved yet"
                href="#/problems"
              />
            </div>
          )}
        </Card>

        <Card title="Crews">
          {crews.error && !crews.data ? (
            <Failure title="Crews unavailable" detail={crews.error} onRetry={crews.reload} />
          ) : !crews.data ? (
            <Loading what="crews" />
          ) : crews.data.length === 0 ? (
            <Empty title="No crews yet">
              A crew appears when a dispatcher creates its token (Crews, or balancer token create).
            </Empty>
          ) : (
            <div className="stats">
              <Stat
                label="Active"
                value={activeCrews?.length ?? 0}
                tone="ok"
                hint="Heard from in the last 15 minutes"
                href={crewsHref}
              />
              <Stat label="On a task" value={busyCrews?.length ?? 0} href={crewsHref} />
              <Stat label="All crews" value={crews.data.length} tone="quiet" href={crewsHref} />
            </div>
          )}
        </Card>
      </div>

      <section className="panel" aria-labelledby="feeds-title">
        <header className="panel-header">
          <h2 id="feeds-title">Feed health</h2>
          {feeds.data && (
            <span className="panel-meta">
              {feeds.data.leader
                ? `Polled by ${feeds.data.pollingHere ? 'this console' : feeds.data.leader}`
                : 'No console is polling'}
            </span>
          )}
        </header>
        {feeds.error && !feeds.data ? (
          <Failure title="Feed health unavailable" detail={feeds.error} onRetry={feeds.reload} />
        ) : !feeds.data ? (
          <Loading what="feed health" />
        ) : feeds.data.feeds.length === 0 ? (
          <Empty title="No GBFS feed configured">
            Add one with --feed or in settings.json; station numbers come from it.
          </Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Feed</th>
                <th>State</th>
                <th className="right">Stations</th>
                <th className="right">Not live</th>
                <th>Last success</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {feeds.data.feeds.map((feed) => {
                const freshness = describeFreshness(feed, now)
                return (
                  <tr key={feed.feedId}>
                    <td>
                      <span className="strong">{feed.systemName ?? feed.systemId ?? feed.url}</span>
                      <span className="sub">
                        {feed.gbfsVersion
                          ? `GBFS ${feed.gbfsVersion}`
                          : 'GBFS version not known yet'}
                      </span>
                    </td>
                    <td>
                      <span className={`badge badge-${freshness.tone === 'ok' ? 'ok' : 'warn'}`}>
                        {freshness.tone === 'ok' ? 'Live' : 'Stale'}
                      </span>{' '}
                      <span className="sub-inline">
                        {freshness.tone === 'ok'
                          ? `updated ${formatAgo(feed.feedLastUpdated, now)}`
                          : (feed.staleDetail ?? freshness.text)}
                      </span>
                    </td>
                    <td className="right num">{feed.stationCount?.toLocaleString() ?? '—'}</td>
                    <td className="right num">
                      {(freshness.tone === 'stale' && feed.stationCount !== null
                        ? Math.max(feed.stationCount, feed.stationsStale)
                        : feed.stationsStale
                      ).toLocaleString()}
                    </td>
                    <td title={formatFullTime(feed.lastSuccessAt, timeZone)}>
                      {formatClock(feed.lastSuccessAt, timeZone)}
                    </td>
                    <td className="error-text">
                      {feed.lastError
                        ? `${feed.lastError}${feed.consecutiveFailures > 1 ? ` (${feed.consecutiveFailures} in a row)` : ''}`
                        : '—'}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
      </section>
    </section>
  )
}
