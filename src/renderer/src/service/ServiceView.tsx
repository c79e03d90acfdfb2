import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { CsvRow } from '../../../shared/csv'
import type { FeedsHealth } from '../../../shared/feeds'
import type {
  ServiceClusters,
  ServiceCrews,
  ServiceRange,
  ServiceStations,
  ServiceSummary,
  ServiceTaskEffects,
} from '../../../shared/service-levels'
import type { ConsoleClient } from '../api/client'
import { plural } from '../common/format'
import { Panel } from '../common/Panel'
import { SystemSelect, systemsByName } from '../common/SystemSelect'
import { Empty, Failure, Loaded, Loading, Refreshing } from '../common/states'
import { useResource, type Resource } from '../common/useResource'
import { useKeys } from '../shell/shortcuts'
import type { ViewProps } from '../shell/view-props'
import { addDays } from '../station/chart-data'
import {
  ChartLegend,
  EMPTY_FULL_LEGEND,
  EmptyFullChart,
  OutageChart,
  TASK_LEGEND,
  TasksChart,
} from './charts'
import { HeadlineFigures, HeadlineNotes } from './Headline'
import { ExportButton, SortTable, WhereHistoryComesFrom } from './parts'
import {
  dayCount,
  isDate,
  jumpToData,
  lastDayOf,
  localToday,
  parseServiceQuery,
  presetOf,
  presetRange,
  PRESETS,
  rangeLabel,
  reportAddress,
  serviceHash,
  shiftRange,
  systemOfQuery,
  withFirstDay,
  withLastDay,
  type DayRange,
  type ServiceQuery,
} from './range-data'
import {
  dayRows,
  formatDollars,
  formatMinutes,
  mayChange,
  summaryHeadline,
  taskDayRows,
} from './service-data'
import {
  clustersCsv,
  crewsCsv,
  daysCsv,
  durationsCsv,
  effectsCsv,
  stationsCsv,
  taskDaysCsv,
  type TableName,
} from '../../../shared/service-csv'
import { EFFECT_SORTS, STATION_SORTS } from './table-data'
import {
  BeforeAfter,
  ClustersTable,
  CrewsTable,
  DurationsTable,
  effectColumns,
  stationColumns,
  StationsTable,
  taskName,
} from './tables'
import { useMinuteReload } from './useMinuteReload'

/** The worst stations and clusters shown before "Show all". */
const TOP = 20

/** A range request, naming the system only when one was chosen (else the server's only one). */
function request(system: string | undefined, range: DayRange): ServiceRange {
  return system ? { system, from: range.from, to: range.to } : { from: range.from, to: range.to }
}

/** Which systems the feeds poll, by id, with their names: more than one gets a choice. */
function systemsOf(feeds: FeedsHealth | null): [string, string][] {
  return systemsByName(
    (feeds?.feeds ?? []).flatMap((feed) =>
      feed.systemId ? [[feed.systemId, feed.systemName ?? feed.systemId] as const] : [],
    ),
  )
}

/**
 * A panel of one answer about the range: its loading and its failure, then what it holds, with
 * an export of all its rows.
 */
function AnswerPanel<T extends { system_id: string; from: string; to: string }>({
  title,
  className,
  meta,
  resource,
  what,
  csv,
  children,
}: {
  title: string
  className?: string
  meta?: ReactNode
  resource: Resource<T>
  /** "stations": loading stations…, Stations unavailable. */
  what: string
  /** The export: its button's "Export <what> as CSV", the table its file is named for, its rows. */
  csv: { what: string; table: TableName; rows: (data: T) => readonly CsvRow[] }
  children: (data: T) => ReactNode
}) {
  const data = resource.data
  return (
    <Panel
      title={title}
      className={className}
      meta={meta}
      actions={
        data && (
          <ExportButton
            what={csv.what}
            table={csv.table}
            answer={data}
            rows={() => csv.rows(data)}
          />
        )
      }
    >
      <Loaded resource={resource} what={what}>
        {children}
      </Loaded>
    </Panel>
  )
}

/**
 * A date typed into a field is applied once it stops changing: typing a year digit by digit
 * would otherwise ask for 0002, 0020 and 0202 on the way to 2023. Enter or leaving the field
 * applies it at once.
 */
function DateField({
  label,
  value,
  min,
  max,
  onCommit,
}: {
  label: string
  value: string
  min?: string
  max?: string
  onCommit: (date: string) => void
}) {
  const [draft, setDraft] = useState(value)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  const commit = (date: string) => {
    clearTimeout(timer.current)
    if (isDate(date) && date !== value) onCommit(date)
  }
  return (
    <label className="field">
      {label}
      <input
        type="date"
        value={draft}
        min={min}
        max={max}
        onChange={(event) => {
          const date = event.target.value
          setDraft(date)
          clearTimeout(timer.current)
          timer.current = setTimeout(() => commit(date), 600)
        }}
        onBlur={() => commit(draft)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit(draft)
        }}
      />
    </label>
  )
}

function RangeBar({
  range,
  data,
  reportDay,
  onReportDay,
  systemId,
  go,
}: {
  range: DayRange
  data: ServiceSummary['data']
  reportDay: string
  onReportDay: (day: string) => void
  systemId: string | null
  go: (range: DayRange) => void
}) {
  const last = lastDayOf(range)
  const preset = data ? presetOf(range, data.last_day) : null
  return (
    <div className="panel range-bar">
      <div className="range-group" role="group" aria-label="Days shown">
        <button
          type="button"
          className="button button-small button-quiet"
          aria-label="Earlier days"
          title="Earlier days ( [ )"
          disabled={data !== null && range.from <= data.first_day}
          onClick={() => go(shiftRange(range, -1))}
        >
          ‹
        </button>
        <DateField
          key={`from ${range.from}`}
          label="From"
          value={range.from}
          onCommit={(from) => go(withFirstDay(range, from))}
        />
        <DateField
          key={`to ${last}`}
          label="to"
          value={last}
          min={range.from}
          onCommit={(day) => go(withLastDay(range, day))}
        />
        <button
          type="button"
          className="button button-small button-quiet"
          aria-label="Later days"
          title="Later days ( ] )"
          disabled={data !== null && last >= data.last_day}
          onClick={() => go(shiftRange(range, 1))}
        >
          ›
        </button>
        <span className="range-days muted">{plural(dayCount(range), 'day')}</span>
        <div className="segmented" role="group" aria-label="Presets">
          {PRESETS.map((option) => (
            <button
              key={option.days}
              type="button"
              className={preset === option.days ? 'segment segment-on' : 'segment'}
              aria-pressed={preset === option.days}
              disabled={!data}
              title={
                data ? `The ${option.days} days up to ${data.last_day}, the data's last` : undefined
              }
              onClick={() => data && go(presetRange(data.last_day, option.days))}
            >
              {option.label}
            </button>
          ))}
        </div>
      </div>
      <div className="range-group range-report">
        <label className="field">
          Daily report
          <input
            type="date"
            value={reportDay}
            min={range.from}
            max={last}
            onChange={(event) => {
              if (isDate(event.target.value)) onReportDay(event.target.value)
            }}
          />
        </label>
        {systemId ? (
          <a
            className="button button-small"
            href={reportAddress({ systemId, day: reportDay }, range)}
          >
            Open report
          </a>
        ) : (
          <button type="button" className="button button-small" disabled>
            Open report
          </button>
        )}
      </div>
    </div>
  )
}

function RangeView({
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
  const ask = useMemo(() => request(system, { from, to }), [system, from, to])
  const summary = useResource(
    client,
    useCallback(() => client.invoke('service:summary', ask), [client, ask]),
  )
  const stations = useResource(
    client,
    useCallback(() => client.invoke('service:stations', ask), [client, ask]),
  )
  const clusters = useResource(
    client,
    useCallback(() => client.invoke('service:clusters', ask), [client, ask]),
  )
  const crews = useResource(
    client,
    useCallback(() => client.invoke('service:crews', ask), [client, ask]),
  )
  const effects = useResource(
    client,
    useCallback(() => client.invoke('service:taskEffects', ask), [client, ask]),
  )
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
    window.location.hash = serviceHash(request(system, next))
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

function StationsPanel({ stations }: { stations: Resource<ServiceStations> }) {
  const data = stations.data
  return (
    <AnswerPanel
      title="Worst stations"
      className="panel-wide"
      meta={data && `most hours empty or full first · ${plural(data.stations.length, 'station')}`}
      resource={stations}
      what="stations"
      csv={{
        what: 'stations',
        table: 'stations',
        rows: (answer) => stationsCsv(answer.system_id, answer.stations),
      }}
    >
      {(answer) =>
        answer.stations.length === 0 ? (
          <Empty title="No station reported in these days" />
        ) : (
          <StationsTable
            label="Worst stations"
            systemId={answer.system_id}
            stations={answer.stations}
            columns={stationColumns}
            sorts={STATION_SORTS}
            limit={TOP}
          />
        )
      }
    </AnswerPanel>
  )
}

function ClustersPanel({ clusters }: { clusters: Resource<ServiceClusters> }) {
  const data = clusters.data
  const out = data?.clusters.filter((cluster) => cluster.outage_minutes > 0).length ?? 0
  // The worst are those that were out at all; the hundreds never out are in the export.
  const worst = useMemo(
    () => data?.clusters.filter((cluster) => cluster.minutes_out > 0) ?? [],
    [data],
  )
  return (
    <AnswerPanel
      title="Worst clusters"
      className="panel-wide"
      meta={
        data &&
        `a station and those within ${Math.round(data.radius_meters)} m · ${plural(data.clusters.length, 'cluster')}, ${out.toLocaleString()} with an outage, ${(data.clusters.length - worst.length).toLocaleString()} never out`
      }
      resource={clusters}
      what="clusters"
      csv={{
        what: 'clusters',
        table: 'clusters',
        rows: (answer) => clustersCsv(answer.system_id, answer.clusters),
      }}
    >
      {(answer) =>
        answer.clusters.length === 0 ? (
          <Empty title="No clusters in these days" />
        ) : worst.length === 0 ? (
          <Empty title="No cluster was out in these days" />
        ) : (
          <ClustersTable
            label="Worst clusters"
            systemId={answer.system_id}
            clusters={worst}
            limit={TOP}
          />
        )
      }
    </AnswerPanel>
  )
}

function TasksPanel({ crews }: { crews: Resource<ServiceCrews> }) {
  const data = crews.data
  const rows = useMemo(() => (data ? taskDayRows(data) : []), [data])
  return (
    <AnswerPanel
      title="Tasks per day"
      meta={data && `${plural(data.totals.bikes_moved, 'bike')} moved`}
      resource={crews}
      what="tasks"
      csv={{ what: 'tasks per day', table: 'tasks', rows: (answer) => taskDaysCsv(answer.days) }}
    >
      {(answer) => (
        <>
          <TasksChart rows={rows} />
          <p className="hint">
            <ChartLegend items={TASK_LEGEND} />
          </p>
          <p className="hint">
            {plural(answer.totals.created, 'task')} created,{' '}
            {answer.totals.dispatched.toLocaleString()} handed out,{' '}
            {answer.totals.completed.toLocaleString()} completed,{' '}
            {answer.totals.canceled.toLocaleString()} canceled,{' '}
            {answer.totals.released.toLocaleString()} given back.
          </p>
        </>
      )}
    </AnswerPanel>
  )
}

function DurationsPanel({ crews }: { crews: Resource<ServiceCrews> }) {
  return (
    <AnswerPanel
      title="Task durations"
      meta="from suggestion to completed task"
      resource={crews}
      what="task durations"
      csv={{
        what: 'task durations',
        table: 'durations',
        rows: (answer) => durationsCsv(answer.durations),
      }}
    >
      {(answer) => <DurationsTable durations={answer.durations} />}
    </AnswerPanel>
  )
}

function CrewsPanel({ crews }: { crews: Resource<ServiceCrews> }) {
  const data = crews.data
  return (
    <AnswerPanel
      title="Crews"
      className="panel-wide"
      meta={data && plural(data.crews.length, 'crew')}
      resource={crews}
      what="crews"
      csv={{ what: 'crews', table: 'crews', rows: (answer) => crewsCsv(answer.crews) }}
    >
      {(answer) =>
        answer.crews.length === 0 ? (
          <Empty title="No crew held a task in these days" />
        ) : (
          <CrewsTable crews={answer.crews} />
        )
      }
    </AnswerPanel>
  )
}

function EffectsPanel({ effects }: { effects: Resource<ServiceTaskEffects> }) {
  const data = effects.data
  const columns = useMemo(() => (data ? effectColumns(data.system_id, data.time_zone) : []), [data])
  return (
    <AnswerPanel
      title="What completed tasks changed"
      className="panel-wide"
      meta={
        data &&
        `minutes in the ${data.window_minutes} min before completion and after it · ${plural(data.tasks.length, 'task')}`
      }
      resource={effects}
      what="task effects"
      csv={{ what: 'task effects', table: 'effects', rows: (answer) => effectsCsv(answer.tasks) }}
    >
      {(answer) =>
        answer.tasks.length === 0 ? (
          <Empty title="No task was completed in these days" />
        ) : (
          <SortTable
            label="What completed tasks changed"
            rows={answer.tasks}
            columns={columns}
            sorts={EFFECT_SORTS}
            initialSort={{ key: 'completed', direction: 'desc' }}
            rowKey={(row) => String(row.task_id)}
            tie={taskName}
            limit={TOP}
            noun="tasks"
            foot={
              <tr>
                <td colSpan={5} className="strong">
                  All {plural(answer.totals.tasks, 'task')}
                </td>
                <td className="right num">
                  <BeforeAfter
                    before={answer.totals.source_minutes_full_before}
                    after={answer.totals.source_minutes_full_after}
                  />
                </td>
                <td />
                <td className="right num">
                  <BeforeAfter
                    before={answer.totals.sink_minutes_empty_before}
                    after={answer.totals.sink_minutes_empty_after}
                  />
                </td>
              </tr>
            }
          />
        )
      }
    </AnswerPanel>
  )
}

/**
 * The first visit, with no days in the address: one question tells where the data lies, and the
 * address becomes its last 7 days (replaced, so Back does not return here to be sent on again).
 */
function FirstVisit({ client, system }: { client: ConsoleClient; system: string | undefined }) {
  const load = useCallback(() => {
    const today = localToday()
    return client.invoke('service:summary', request(system, { from: today, to: addDays(today, 1) }))
  }, [client, system])
  const probe = useResource(client, load)
  const days = probe.data?.data ?? null
  // The first poll (or an import) makes the history this page waits for.
  useMinuteReload(client, probe.data !== null && days === null, probe.reload, system ?? '')
  useEffect(() => {
    if (days) window.location.replace(serviceHash(request(system, presetRange(days.last_day, 7))))
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
