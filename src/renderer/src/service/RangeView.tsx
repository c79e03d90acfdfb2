import { useCallback, useMemo, useState, type ReactNode } from 'react'
import type { ConsoleApi } from '../../../shared/contract'
import { daysCsv } from '../../../shared/service-csv'
import type { ServiceRange } from '../../../shared/service-levels'
import type { ConsoleClient } from '../api/client'
import { plural } from '../common/format'
import { Panel } from '../common/Panel'
import { SystemSelect } from '../common/SystemSelect'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { useResource, type Resource } from '../common/useResource'
import { useKeys } from '../shell/shortcuts'
import { addDays } from '../station/chart-data'
import { ChartLegend, EMPTY_FULL_LEGEND, EmptyFullChart, OutageChart } from './charts'
import { CrewsPanel, DurationsPanel, TasksPanel } from './CrewPanels'
import { EffectsPanel } from './EffectsPanel'
import { HeadlineFigures, HeadlineNotes } from './Headline'
import { ExportButton, WhereHistoryComesFrom } from './parts'
import { RangeBar } from './RangeBar'
import {
  jumpToData,
  lastDayOf,
  presetRange,
  rangeLabel,
  rangeRequest,
  reportAddress,
  serviceHash,
  shiftRange,
  type DayRange,
  type ServiceQuery,
} from './range-data'
import { dayRows, formatDollars, formatMinutes, mayChange, summaryHeadline } from './service-data'
import { useMinuteReload } from './useMinuteReload'
import { ClustersPanel, StationsPanel } from './WorstPanels'

/** The answers about a range of days: each channel takes the same request. */
type RangeChannel =
  | 'service:summary'
  | 'service:stations'
  | 'service:clusters'
  | 'service:crews'
  | 'service:taskEffects'

/** One answer about the range `ask`, asked again when the range changes. */
function useRangeAnswer<C extends RangeChannel>(
  client: ConsoleClient,
  channel: C,
  ask: ServiceRange,
): Resource<ConsoleApi[C]['response']> {
  const load = useCallback(() => {
    // Every range channel takes a ServiceRange; TypeScript cannot follow that through C.
    const invoke = client.invoke.bind(client) as (
      channel: C,
      request: ServiceRange,
    ) => Promise<ConsoleApi[C]['response']>
    return invoke(channel, ask)
  }, [client, channel, ask])
  return useResource(client, load)
}

export function RangeView({
  client,
  keysEnabled,
  query,
  systems,
}: {
  client: ConsoleClient
  keysEnabled: boolean
  query: ServiceQuery
  systems: [string, string][]
}) {
  const { system, from, to } = query
  const range = useMemo(() => ({ from, to }), [from, to])
  const ask = useMemo(() => rangeRequest(system, { from, to }), [system, from, to])
  const summary = useRangeAnswer(client, 'service:summary', ask)
  const stations = useRangeAnswer(client, 'service:stations', ask)
  const clusters = useRangeAnswer(client, 'service:clusters', ask)
  const crews = useRangeAnswer(client, 'service:crews', ask)
  const effects = useRangeAnswer(client, 'service:taskEffects', ask)
  const all = [summary, stations, clusters, crews, effects]
  const reloadAll = () => {
    for (const resource of all) resource.reload()
  }
  const shown = summary.data
  useMinuteReload(
    client,
    shown !== null && mayChange(shown),
    reloadAll,
    `${system ?? ''} ${from} ${to}`,
    shown?.system_id ?? null,
  )

  const go = (next: DayRange) => {
    window.location.hash = serviceHash(rangeRequest(system, next))
  }
  const data = shown?.data ?? null
  const [picked, setPicked] = useState<string | null>(null)
  const last = lastDayOf(range)
  const reportDay = picked !== null && picked >= from && picked <= last ? picked : last
  const systemId = system ?? shown?.system_id ?? null
  const openReport = () => {
    if (systemId) window.location.hash = reportAddress({ systemId, day: reportDay }, range)
  }

  useKeys(
    {
      '[': () => {
        if (!data || from > data.first_day) go(shiftRange(range, -1))
      },
      ']': () => {
        if (!data || last < data.last_day) go(shiftRange(range, 1))
      },
      w: () => {
        if (data) go(presetRange(data.last_day, 7))
      },
      W: () => {
        if (data) go(presetRange(data.last_day, 30))
      },
      r: openReport,
    },
    keysEnabled,
  )

  // What is drawn is the answer's own range: a new range shows the old figures until it arrives.
  const pending =
    all.some((resource) => resource.loading && resource.data !== null) ||
    (shown !== null && (shown.from !== from || shown.to !== to))
  const rows = useMemo(() => (shown ? dayRows(shown) : []), [shown])

  let body: ReactNode
  if (summary.error && !shown) {
    body = <Failure title="Service levels unavailable" detail={summary.error} onRetry={reloadAll} />
  } else if (!shown) {
    body = <Loading what="service levels" />
  } else if (!shown.data) {
    body = (
      <Empty title="No status history yet">
        <WhereHistoryComesFrom />
      </Empty>
    )
  } else if (shown.days.length === 0) {
    const days = shown.data
    body = (
      <Empty
        title="No status history in these days"
        action={
          <button type="button" className="button" onClick={() => go(jumpToData(range, days))}>
            Jump to data
          </button>
        }
      >
        The data covers {rangeLabel({ from: days.first_day, to: addDays(days.last_day, 1) })}.
      </Empty>
    )
  } else {
    const headline = summaryHeadline(shown)
    body = (
      <>
        {summary.error && (
          <Failure title="Could not load again" detail={summary.error} onRetry={reloadAll} />
        )}
        <section className="panel" aria-label="The days in figures">
          <HeadlineFigures headline={headline} />
          <HeadlineNotes headline={headline} timeZone={shown.time_zone} />
        </section>
        <div className="service-grid">
          <Panel
            title="Station-hours empty and full"
            meta={<ChartLegend items={EMPTY_FULL_LEGEND} />}
            actions={
              <ExportButton
                what="days"
                table="days"
                answer={shown}
                rows={() => daysCsv(shown.days)}
              />
            }
          >
            <EmptyFullChart rows={rows} />
          </Panel>
          <Panel
            title="Cluster outage minutes"
            meta={`${formatMinutes(shown.totals.cluster_outage_minutes)} · ${formatDollars(shown.totals.cluster_outage_dollars)} · ${plural(shown.totals.cluster_episodes, 'outage')}`}
          >
            <OutageChart rows={rows} />
          </Panel>
          <StationsPanel stations={stations} />
          <ClustersPanel clusters={clusters} />
          <TasksPanel crews={crews} />
          <DurationsPanel crews={crews} />
          <CrewsPanel crews={crews} />
          <EffectsPanel effects={effects} />
        </div>
      </>
    )
  }

  return (
    <section className="view service-view">
      <header className="view-header">
        <h1>Service</h1>
        <span className="view-meta">
          {shown ? `${shown.system_name} · ` : ''}
          {rangeLabel(range)}
          {shown
            ? ` · service hours ${shown.service_hours.start}–${shown.service_hours.end} (${shown.time_zone})`
            : ''}
        </span>
        {systems.length > 1 && (
          <div className="view-actions">
            <SystemSelect
              systems={systems}
              value={systemId ?? ''}
              none={systemId === null ? '—' : undefined}
              onChange={(system) => {
                window.location.hash = serviceHash({ system, from, to })
              }}
            />
          </div>
        )}
        <Refreshing active={pending} />
      </header>
      <RangeBar
        range={range}
        data={data}
        reportDay={reportDay}
        onReportDay={setPicked}
        systemId={systemId}
        go={go}
      />
      {body}
    </section>
  )
}
