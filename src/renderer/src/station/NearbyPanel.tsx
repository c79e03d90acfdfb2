import { useCallback } from 'react'
import type { ConsoleClient } from '../api/client'
import { fillLevel, fillShare } from '../common/fill'
import { Panel } from '../common/Panel'
import { Empty, Loaded } from '../common/states'
import { useResource } from '../common/useResource'
import { stationHash, type StationRef } from '../shell/routes'

function distance(meters: number): string {
  return meters < 1_000 ? `${Math.round(meters)} m` : `${(meters / 1_000).toFixed(1)} km`
}

/** The nearest stations of the system, with their bikes and docks now. */
export function NearbyPanel({ client, station }: { client: ConsoleClient; station: StationRef }) {
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
