import { useCallback } from 'react'
import type { StationLive } from '../../../shared/feeds'
import type { ConsoleClient } from '../api/client'
import { useResource, type Resource } from './useResource'

export type StationIndex = Map<string, StationLive>

export function stationKey(systemId: string, stationId: string): string {
  return `${systemId}\u0000${stationId}`
}

function indexOf(stations: StationLive[]): StationIndex {
  return new Map(
    stations.map((station) => [stationKey(station.systemId, station.stationId), station]),
  )
}

/** Every active station with its latest numbers, by (system, station id); again after each poll. */
export function useStations(client: ConsoleClient): Resource<StationIndex> {
  const load = useCallback(() => client.invoke('feeds:stations', {}).then(indexOf), [client])
  return useResource(client, load, { events: ['stations:changed', 'app:resync'] })
}

/** A station's name, or its id when the feed does not (or no longer) list it. */
export function stationName(
  index: StationIndex | null,
  systemId: string,
  stationId: string,
): string {
  return index?.get(stationKey(systemId, stationId))?.name ?? `Station ${stationId}`
}
