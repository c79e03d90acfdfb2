import type {
  DurationStats,
  ServiceRefreshReport,
  ServiceReport,
} from '../../shared/service-levels.js'

const number = new Intl.NumberFormat('en-US', {
  maximumFractionDigits: 1,
  minimumFractionDigits: 1,
})
const whole = new Intl.NumberFormat('en-US')
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })

const minutes = (value: number) => number.format(value)
const percent = (share: number | null) => (share === null ? '-' : `${(share * 100).toFixed(1)} %`)

/** Cuts or pads a cell to `width` characters. */
function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width)
}

/**
 * A table of the report: a blank line, its title, a header and a line a row; the first column is
 * the name, `nameWidth` wide, the others figures 9 wide. Nothing without rows.
 */
function section(
  title: string,
  nameWidth: number,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  if (rows.length === 0) return []
  const line = ([name = '', ...figures]: readonly string[]) =>
    `  ${cell(name, nameWidth)}${figures.map((figure) => cell(figure, 9, 'right')).join('')}`
  return ['', title, line(header), ...rows.map(line)]
}

function duration(label: string, stats: DurationStats): string {
  if (stats.count === 0) return `  ${label}: none`
  const median = stats.median_minutes === null ? '-' : minutes(stats.median_minutes)
  const p90 = stats.p90_minutes === null ? '-' : minutes(stats.p90_minutes)
  return `  ${label}: median ${median} min, 90 % within ${p90} min (${whole.format(stats.count)})`
}

/** How many worst stations and clusters the readable report lists. */
const TOP = 10

/** `balancer report --day D`: one day, in words and small tables. */
export function formatServiceReport(report: ServiceReport): string {
  const day = report.summary
  const date = new Date(`${report.day}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  })
  const lines = [
    `${report.system_name} (${report.system_id}), ${date}, service hours ${report.service_hours.start}-${report.service_hours.end} ${report.time_zone}`,
    `${day.complete ? 'Complete' : `Not complete yet (as of ${day.as_of})`}: ${whole.format(day.stations)} stations, ${whole.format(day.snapshots)} polls${day.bridge_minutes === null ? '' : `; polls more than ${minutes(day.bridge_minutes)} min apart are not bridged`}.`,
    '',
    `Station-minutes: empty ${minutes(day.minutes_empty)}, full ${minutes(day.minutes_full)}, unknown ${minutes(day.minutes_unknown)}, closed ${minutes(day.minutes_closed)}`,
    `Availability: at least 1 bike and 1 dock ${percent(day.availability_1)} of known minutes, at least 2 of each ${percent(day.availability_2)}`,
    `Cluster outages: ${minutes(report.cluster_outage_minutes)} min beyond 10 in a row (${money.format(day.cluster_outage_dollars)}) in ${whole.format(day.cluster_episodes)} outages of ${whole.format(day.clusters)} clusters`,
  ]
  const worst = [...report.stations]
    .filter((s) => s.minutes_empty + s.minutes_full > 0)
    .sort((a, b) => b.minutes_empty + b.minutes_full - (a.minutes_empty + a.minutes_full))
    .slice(0, TOP)
  lines.push(
    ...section(
      'Most minutes empty or full:',
      44,
      ['station', 'empty', 'full', 'unknown'],
      worst.map((s) => [
        s.name,
        minutes(s.minutes_empty),
        minutes(s.minutes_full),
        minutes(s.minutes_unknown),
      ]),
    ),
  )
  const clusters = report.clusters.filter((c) => c.outage_minutes > 0).slice(0, TOP)
  lines.push(
    ...section(
      'Clusters out longest (minutes beyond 10 in a row):',
      44,
      ['around', 'stations', 'outage', 'longest'],
      clusters.map((c) => [
        c.name,
        String(c.members.length + 1),
        minutes(c.outage_minutes),
        minutes(c.longest_minutes),
      ]),
    ),
  )
  const t = report.tasks
  lines.push(
    '',
    `Tasks: ${whole.format(t.created)} created, ${whole.format(t.dispatched)} dispatched, ${whole.format(t.completed)} completed, ${whole.format(t.canceled)} canceled, ${whole.format(t.released)} given back; ${whole.format(t.bikes_moved)} bikes moved`,
    duration('suggestion to approval', report.durations.suggestion_to_approval),
    duration('approval to claim', report.durations.approval_to_claim),
    duration('claim to completion', report.durations.claim_to_completion),
  )
  lines.push(
    ...section(
      'Crews:',
      24,
      ['crew', 'claimed', 'done', 'bikes', 'hours', 'bikes/h'],
      report.crews.map((crew) => [
        crew.name,
        whole.format(crew.claimed),
        whole.format(crew.completed),
        whole.format(crew.bikes_moved),
        minutes(crew.hours_on_shift),
        crew.bikes_per_hour === null ? '-' : minutes(crew.bikes_per_hour),
      ]),
    ),
  )
  return `${lines.join('\n')}\n`
}

/** What a refresh of the daily summaries did, one line. */
export function formatServiceRefresh(report: ServiceRefreshReport): string {
  if (report.days.length === 0) {
    return `Service levels of ${report.system_id}: up to date.\n`
  }
  const first = report.days[0]?.day ?? ''
  const last = report.days[report.days.length - 1]?.day ?? first
  const open = report.days.filter((day) => !day.complete).length
  return `Service levels of ${report.system_id}: ${whole.format(report.days.length)} day(s) computed, ${first} to ${last}${open > 0 ? ` (${open} not complete yet)` : ''}, in ${report.seconds.toFixed(2)} s.\n`
}
