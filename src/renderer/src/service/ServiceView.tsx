import type { FeedsHealth } from '../../../shared/feeds'
import { systemsByName } from '../common/SystemSelect'
import type { Resource } from '../common/useResource'
import type { ViewProps } from '../shell/view-props'
import { FirstVisit } from './FirstVisit'
import { parseServiceQuery, systemOfQuery } from './range-data'
import { RangeView } from './RangeView'

/** Which systems the feeds poll, by id, with their names: more than one gets a choice. */
function systemsOf(feeds: FeedsHealth | null): [string, string][] {
  return systemsByName(
    (feeds?.feeds ?? []).flatMap((feed) =>
      feed.systemId ? [[feed.systemId, feed.systemName ?? feed.systemId] as const] : [],
    ),
  )
}

/**
 * Service levels over a range of days: minutes empty and full, cluster outages, the worst
 * stations and clusters, and the crews' work, each table exportable; the range is in the address.
 */
export function ServiceView({
  client,
  keysEnabled,
  query,
  feeds,
}: ViewProps & { query: string; feeds: Resource<FeedsHealth> }) {
  const range = parseServiceQuery(query)
  const systems = systemsOf(feeds.data)
  return range ? (
    <RangeView client={client} keysEnabled={keysEnabled} query={range} systems={systems} />
  ) : (
    <FirstVisit client={client} system={systemOfQuery(query)} />
  )
}
