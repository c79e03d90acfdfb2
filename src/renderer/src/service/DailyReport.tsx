import { useCallback, useMemo } from 'react'
import type { ServiceReport } from '../../../shared/service-levels'
import { APP_NAME, APP_VERSION } from '../../../shared/version'
import { Figure } from '../common/Figure'
import { formatClock, formatFullTime } from '../common/format'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { useResource } from '../common/useResource'
import { reportHash, type ServiceDayRef } from '../shell/routes'
import { useKeys } from '../shell/shortcuts'
import type { ViewProps } from '../shell/view-props'
import { addDays } from '../station/chart-data'
import { HeadlineFigures, HeadlineNotes } from './Headline'
import { WhereHistoryComesFrom } from './parts'
import { dayLabel, longDay, serviceOfReport } from './range-data'
import { formatDollars, formatMinutes, headline } from './service-data'
import { FIGURE_SORTS, stationsEmptyOrFull } from './table-data'
import { ClustersTable } from './ClustersTable'
import { CrewsTable, DurationsTable } from './CrewsTable'
import { figureColumns, StationsTable } from './StationsTable'
import { useMinuteReload } from './useMinuteReload'

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="report-section" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  )
}

/** The report itself: what is printed, and all that is printed. */
function ReportDocument({ report }: { report: ServiceReport }) {
  const day = report.summary
  const figures = headline(day, [day])
  const stations = useMemo(() => stationsEmptyOrFull(report.stations), [report.stations])
  return (
    <article className="report" aria-label="Daily service report">
      <header className="report-header">
        <div className="report-title">
          <p className="report-kicker">Daily service report</p>
          <h1>
            {report.system_name}: {longDay(report.day)}
          </h1>
        </div>
        <dl className="report-facts">
          <div>
            <dt>Service hours</dt>
            <dd>
              {report.service_hours.start}–{report.service_hours.end} ({report.time_zone})
            </dd>
          </div>
          <div>
            <dt>Stations</dt>
            <dd>{day.stations.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Polls</dt>
            <dd>
              {day.snapshots.toLocaleString()}
              {day.bridge_minutes !== null &&
                `, bridged up to ${Math.round(day.bridge_minutes)} min apart`}
            </dd>
          </div>
          {!day.complete && (
            <div className="report-running">
              <dt>As of</dt>
              <dd title={formatFullTime(day.as_of, report.time_zone)}>
                {formatClock(day.as_of, report.time_zone)}: the day is still running
              </dd>
            </div>
          )}
        </dl>
      </header>

      <HeadlineFigures headline={figures} single />
      <HeadlineNotes headline={figures} timeZone={report.time_zone} />

      <Section title={`Stations empty or full (${stations.length.toLocaleString()})`}>
        {stations.length === 0 ? (
          <p className="hint">No station was empty or full in the service hours.</p>
        ) : (
          <StationsTable
            label="Stations empty or full"
            systemId={report.system_id}
            stations={stations}
            columns={figureColumns}
            sorts={FIGURE_SORTS}
          />
        )}
      </Section>

      <Section title={`Clusters with an outage (${report.clusters.length.toLocaleString()})`}>
        {report.clusters.length === 0 ? (
          <p className="hint">No cluster was out for more than 10 minutes in a row.</p>
        ) : (
          <>
            <p className="hint">
              {formatMinutes(report.summary.cluster_outage_minutes)} beyond the first 10 of each
              outage, {formatDollars(report.summary.cluster_outage_dollars)} at $1 a minute.
            </p>
            <ClustersTable
              label="Clusters with an outage"
              systemId={report.system_id}
              clusters={report.clusters}
            />
          </>
        )}
      </Section>

      <Section title="Tasks">
        <div className="stats report-tasks" role="group" aria-label="Task counts">
          <Figure label="Created" value={report.tasks.created.toLocaleString()} />
          <Figure label="Handed out" value={report.tasks.dispatched.toLocaleString()} />
          <Figure label="Completed" value={report.tasks.completed.toLocaleString()} />
          <Figure label="Canceled" value={report.tasks.canceled.toLocaleString()} />
          <Figure label="Given back" value={report.tasks.released.toLocaleString()} />
          <Figure label="Bikes moved" value={report.tasks.bikes_moved.toLocaleString()} />
        </div>
        <DurationsTable durations={report.durations} />
      </Section>

      <Section title={`Crews (${report.crews.length.toLocaleString()})`}>
        {report.crews.length === 0 ? (
          <p className="hint">No crew held a task this day.</p>
        ) : (
          <CrewsTable crews={report.crews} />
        )}
      </Section>

      <footer className="report-footer">
        Station-hours are minutes over every station, divided by 60, in the service hours only. Made{' '}
        {formatFullTime(new Date().toISOString(), report.time_zone)} by {APP_NAME} v{APP_VERSION}.
      </footer>
    </article>
  )
}

/**
 * One day's service on a page a manager can print or save as PDF and send: the day's figures,
 * the stations and clusters that failed riders, crews and tasks.
 */
export function DailyReportView({
  client,
  keysEnabled,
  report: ref,
  query,
}: ViewProps & { report: ServiceDayRef; query: string }) {
  const load = useCallback(
    () => client.invoke('service:report', { system: ref.systemId, day: ref.day }),
    [client, ref.systemId, ref.day],
  )
  const report = useResource(client, load)
  const shown = report.data
  useMinuteReload(
    client,
    shown !== null && !shown.summary.complete,
    report.reload,
    `${ref.systemId} ${ref.day}`,
    ref.systemId,
  )
  const back = serviceOfReport(ref, query)
  const day = (by: number) => {
    const next = reportHash({ systemId: ref.systemId, day: addDays(ref.day, by) })
    window.location.hash = query ? `${next}?${query}` : next
  }
  useKeys(
    {
      '[': () => day(-1),
      ']': () => day(1),
      p: () => window.print(),
      Escape: () => {
        window.location.hash = back
      },
    },
    keysEnabled,
  )
  const pending = (report.loading && shown !== null) || (shown !== null && shown.day !== ref.day)
  return (
    <section className="view report-view">
      <header className="view-header report-toolbar">
        <a href={back} className="back-link">
          ← Service
        </a>
        <div className="view-actions">
          <button
            type="button"
            className="button button-small button-quiet"
            aria-label="Previous day"
            title="Previous day ( [ )"
            onClick={() => day(-1)}
          >
            ‹ {dayLabel(addDays(ref.day, -1))}
          </button>
          <button
            type="button"
            className="button button-small button-quiet"
            aria-label="Next day"
            title="Next day ( ] )"
            onClick={() => day(1)}
          >
            {dayLabel(addDays(ref.day, 1))} ›
          </button>
          <button
            type="button"
            className="button"
            title="Print, or choose Save as PDF as the printer ( p )"
            onClick={() => window.print()}
            disabled={!shown}
          >
            Print / Save as PDF
          </button>
        </div>
        <Refreshing active={pending} />
      </header>
      {report.error && !shown ? (
        <Failure title="Daily report unavailable" detail={report.error} onRetry={report.reload} />
      ) : !shown ? (
        <Loading what={`the report for ${longDay(ref.day)}`} />
      ) : shown.summary.snapshots === 0 ? (
        <Empty title={`No status history on ${longDay(ref.day)}`}>
          {shown.data ? (
            <p>
              The history runs from {longDay(shown.data.first_day)} to{' '}
              <a href={reportHash({ systemId: ref.systemId, day: shown.data.last_day })}>
                {longDay(shown.data.last_day)}
              </a>
              .
            </p>
          ) : (
            <WhereHistoryComesFrom />
          )}
        </Empty>
      ) : (
        <ReportDocument report={shown} />
      )}
    </section>
  )
}
