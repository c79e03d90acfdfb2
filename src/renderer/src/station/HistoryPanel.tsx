import { useCallback, useState } from 'react'
import type { ConsoleClient } from '../api/client'
import { plural } from '../common/format'
import { Panel } from '../common/Panel'
import { Segmented } from '../common/Segmented'
import { Empty, Loaded } from '../common/states'
import { useResource } from '../common/useResource'
import type { StationRef } from '../shell/routes'
import { HistoryChart } from './charts'

const HISTORY_SPANS = { '24 h': 1, '7 d': 7, '30 d': 30 } as const
type HistorySpan = keyof typeof HISTORY_SPANS

/** Bikes and docks over the last day, week or month of polls. */

export function HistoryPanel({ client, station }: { client: ConsoleClient; station: StationRef }) {
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
