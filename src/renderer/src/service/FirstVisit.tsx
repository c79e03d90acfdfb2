import { useCallback, useEffect } from 'react'
import type { ConsoleClient } from '../api/client'
import { Empty, Failure, Loading } from '../common/states'
import { useResource } from '../common/useResource'
import { addDays } from '../station/chart-data'
import { WhereHistoryComesFrom } from './parts'
import { localToday, presetRange, rangeRequest, serviceHash } from './range-data'
import { useMinuteReload } from './useMinuteReload'

/**
 * The first visit, with no days in the address: one question tells where the data lies, and the
 * address becomes its last 7 days (replaced, so Back does not return here to be sent on again).
 */
export function FirstVisit({
  client,
  system,
}: {
  client: ConsoleClient
  system: string | undefined
}) {
  const load = useCallback(() => {
    const today = localToday()
    return client.invoke(
      'service:summary',
      rangeRequest(system, { from: today, to: addDays(today, 1) }),
    )
  }, [client, system])
  const probe = useResource(client, load)
  const days = probe.data?.data ?? null
  // The first poll (or an import) makes the history this page waits for.
  useMinuteReload(client, probe.data !== null && days === null, probe.reload, system ?? '')
  useEffect(() => {
    if (days)
      window.location.replace(serviceHash(rangeRequest(system, presetRange(days.last_day, 7))))
  }, [days, system])
  return (
    <section className="view service-view">
      <header className="view-header">
        <h1>Service</h1>
      </header>
      {probe.error && !probe.data ? (
        <Failure title="Service levels unavailable" detail={probe.error} onRetry={probe.reload} />
      ) : probe.data && !days ? (
        <Empty title="No status history yet">
          <WhereHistoryComesFrom />
        </Empty>
      ) : (
        <Loading what="service levels" />
      )}
    </section>
  )
}
