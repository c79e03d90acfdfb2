import { useCallback } from 'react'
import { ApiError } from '../api/client'
import { Panel } from '../common/Panel'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { endsIn, NewMoveButton } from '../moves/NewMoveDialog'
import type { StationRef } from '../shell/routes'
import type { ViewProps } from '../shell/view-props'
import { FlowsPanel } from './FlowsPanel'
import { HistoryPanel } from './HistoryPanel'
import { LiveNumbers } from './LiveNumbers'
import { NearbyPanel } from './NearbyPanel'
import { ProfilePanel } from './ProfilePanel'
import { WorkPanel } from './WorkPanel'
import { ProblemsPanel } from './ProblemsPanel'
import type { CrewSources } from '../crews/crew-sources'

/** The profile's refusal when a system has no trips: the page says what to do instead. */
function noTrips(error: string | null, cause: unknown = null): boolean {
  return (
    (cause instanceof ApiError && cause.code === 'no_trips') ||
    (error !== null && /no imported trips/.test(error))
  )
}

/** One station: its numbers now, its open problems, its flows, its history, its neighbours and the work planned for it. */
export function StationView({
  client,
  session,
  station,
  sources = {},
}: ViewProps & { station: StationRef; sources?: CrewSources }) {
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
        <div className="view-actions">
          <NewMoveButton
            client={client}
            session={session}
            ends={endsIn(station.systemId, station.stationId)}
            label="Move bikes from here"
          />
        </div>
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
            <ProblemsPanel
              source={sources.problems}
              station={station}
              session={session}
              timeZone={current.timeZone}
            />
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
