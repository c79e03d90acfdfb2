/**
 * The service-level answers' pure arithmetic and checks: the range a request may ask for, and
 * seconds of stored summaries turned into the minutes, shares and dollars the console shows.
 */
import {
  MAX_SERVICE_DAYS,
  OUTAGE_DOLLARS_PER_MINUTE,
  SERVICE_HOURS,
  type ServiceCluster,
  type ServiceFigures,
} from '../../shared/service-levels.js'
import { ServiceError } from '../errors.js'
import type { SystemRow } from '../systems/system-choice.js'
import type { SecondsByState } from './service-levels.repository.js'
import type { ClusterRangeRow } from './summaries.repository.js'
import { stationFigures, type Segment, type Span } from './timeline.js'

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** A real calendar date, or a 400 naming the field. */
export function checkDay(name: string, text: string): string {
  const match = DAY.exec(text)
  const date = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : null
  if (!date || date.toISOString().slice(0, 10) !== text) {
    throw new ServiceError('invalid', 'invalid_day', `${name} "${text}" is not a date (2023-07-12)`)
  }
  return text
}

function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

export function checkRange(from: string, to: string): void {
  checkDay('from', from)
  checkDay('to', to)
  const days = dayCount(from, to)
  if (days <= 0) {
    throw new ServiceError('invalid', 'invalid_range', `to (${to}) must be after from (${from})`)
  }
  if (days > MAX_SERVICE_DAYS) {
    throw new ServiceError(
      'invalid',
      'range_too_large',
      `${from} to ${to} is ${days} days; at most ${MAX_SERVICE_DAYS} per request`,
    )
  }
}

export const round2 = (value: number) => Math.round(value * 100) / 100
export const minutesOf = (seconds: number) => round2(seconds / 60)
const shareOf = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null

export function figures(row: SecondsByState): ServiceFigures {
  return {
    minutes_empty: minutesOf(row.seconds_empty),
    minutes_full: minutesOf(row.seconds_full),
    minutes_unknown: minutesOf(row.seconds_unknown),
    minutes_closed: minutesOf(row.seconds_closed),
    minutes_known: minutesOf(row.seconds_known),
    availability_1: shareOf(row.seconds_available_1, row.seconds_known),
    availability_2: shareOf(row.seconds_available_2, row.seconds_known),
  }
}

export function sumFigures(rows: readonly SecondsByState[]): SecondsByState {
  const total: SecondsByState = {
    seconds_known: 0,
    seconds_empty: 0,
    seconds_full: 0,
    seconds_closed: 0,
    seconds_unknown: 0,
    seconds_available_1: 0,
    seconds_available_2: 0,
  }
  for (const row of rows) {
    for (const key of Object.keys(total) as (keyof SecondsByState)[]) total[key] += row[key]
  }
  return total
}

export const dollars = (outageSeconds: number) =>
  round2((outageSeconds / 60) * OUTAGE_DOLLARS_PER_MINUTE)

export function cluster(row: ClusterRangeRow): ServiceCluster {
  return {
    station_id: row.station_id,
    name: row.name,
    members: row.members,
    outage_minutes: minutesOf(row.seconds_outage),
    outage_dollars: dollars(row.seconds_outage),
    minutes_out: minutesOf(row.seconds_out),
    minutes_out_empty: minutesOf(row.seconds_out_empty),
    minutes_out_full: minutesOf(row.seconds_out_full),
    episodes: row.episodes,
    longest_minutes: minutesOf(row.longest_seconds),
  }
}

export function header(system: SystemRow) {
  return {
    system_id: system.systemId,
    system_name: system.name,
    time_zone: system.timezone,
    service_hours: { start: SERVICE_HOURS.start, end: SERVICE_HOURS.end },
  }
}

/** Minutes of a station's timeline inside `window` by state, for the task effects. */
export function minutesWithin(segments: readonly Segment[], window: Span) {
  const clipped: Segment[] = []
  for (const segment of segments) {
    const start = Math.max(segment.start, window.start)
    const end = Math.min(segment.end, window.end)
    if (end > start) clipped.push({ start, end, code: segment.code })
  }
  const f = stationFigures(clipped)
  const covered = f.known + f.unknown
  return {
    empty: minutesOf(f.empty / 1000),
    full: minutesOf(f.full / 1000),
    // Time the timeline does not reach (before the history starts) is unknown too.
    unknown: minutesOf((f.unknown + Math.max(0, window.end - window.start - covered)) / 1000),
  }
}

export function roundStats(stats: {
  count: number
  median_minutes: number | null
  p90_minutes: number | null
  mean_minutes: number | null
}) {
  const r = (value: number | null) => (value === null ? null : round2(value))
  return {
    count: stats.count,
    median_minutes: r(stats.median_minutes),
    p90_minutes: r(stats.p90_minutes),
    mean_minutes: r(stats.mean_minutes),
  }
}
