import type { FlowBin, FlowSeries, StationProfile } from '../../../shared/flows'
import { historyTimeline } from '../../../shared/station-history'
import type { StationHistory } from '../../../shared/stations'

/** No chart draws more points than this (the limit; Recharts stays responsive below it). */
export const MAX_CHART_POINTS = 2_000

export type RangeKind = 'day' | 'week' | 'month'
export const RANGE_DAYS: Record<RangeKind, number> = { day: 1, week: 7, month: 30 }
const BIN_MINUTES: Record<FlowBin, number> = { '15min': 15, hour: 60, day: 1_440 }

/** "2018-02-28" moved by whole days (local dates: no clock, no zone). */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`)
  at.setUTCDate(at.getUTCDate() + days)
  return at.toISOString().slice(0, 10)
}

/** The bins a range may be drawn in without passing MAX_CHART_POINTS, finest first. */
export function binsFor(kind: RangeKind): FlowBin[] {
  const minutes = RANGE_DAYS[kind] * 1_440
  return (['15min', 'hour', 'day'] as const).filter(
    (bin) => minutes / BIN_MINUTES[bin] <= MAX_CHART_POINTS,
  )
}

/** The finest bin that still reads as a chart: quarter hours for a day or a week, hours for a month. */
export function defaultBin(kind: RangeKind): FlowBin {
  return kind === 'month' ? 'hour' : '15min'
}

export interface FlowRow {
  /** The bin's start, ms since the epoch. */
  start: number
  /** Its start on the system's clock, as the API gives it. */
  local: string
  inflow: number
  /** Negative: departures are drawn below the axis. */
  outflow: number
}

/**
 * A flow series as chart rows, arrivals up and departures down. A series longer than `max` bins
 * (a caller asked for a fine bin over a long range) is summed into groups of consecutive bins, so
 * the totals are the series' own whatever is drawn.
 */
export function flowRows(series: FlowSeries, max = MAX_CHART_POINTS): FlowRow[] {
  const group = Math.max(1, Math.ceil(series.points.length / max))
  const rows: FlowRow[] = []
  for (let i = 0; i < series.points.length; i += group) {
    let inflow = 0
    let outflow = 0
    const first = series.points[i]
    if (!first) break
    for (const point of series.points.slice(i, i + group)) {
      inflow += point.inflow
      outflow += point.outflow
    }
    rows.push({ start: Date.parse(first.start), local: first.local, inflow, outflow: -outflow })
  }
  return rows
}

export interface ProfileRow {
  minuteOfDay: number
  label: string
  inflow: number
  outflow: number
}

/** Which days of the week a profile chart averages: ISO numbers, Monday = 1. */
export const PROFILE_DAYS = {
  weekdays: [1, 2, 3, 4, 5],
  weekend: [6, 7],
  all: [1, 2, 3, 4, 5, 6, 7],
} as const
export type ProfileDays = keyof typeof PROFILE_DAYS

/**
 * Mean trips per slot over the chosen days of the week: each weekday's mean weighted by how many
 * of that day the range held.
 */
export function profileRows(profile: StationProfile, days: readonly number[]): ProfileRow[] {
  const slots = new Map<number, { inflow: number; outflow: number }>()
  let weight = 0
  for (const dow of days) weight += profile.days[dow - 1] ?? 0
  for (const cell of profile.cells) {
    if (!days.includes(cell.dayOfWeek)) continue
    const count = profile.days[cell.dayOfWeek - 1] ?? 0
    const slot = slots.get(cell.minuteOfDay) ?? { inflow: 0, outflow: 0 }
    slot.inflow += cell.inflow * count
    slot.outflow += cell.outflow * count
    slots.set(cell.minuteOfDay, slot)
  }
  return [...slots]
    .sort(([a], [b]) => a - b)
    .map(([minute, slot]) => ({
      minuteOfDay: minute,
      label: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`,
      inflow: weight > 0 ? slot.inflow / weight : 0,
      outflow: weight > 0 ? slot.outflow / weight : 0,
    }))
}

export interface HistoryRow {
  at: number
  /** Null inside a gap in the status history: the line breaks there. */
  bikes: number | null
  docks: number | null
  /** Fewest and most bikes until the next row (equal when every change is a row). */
  band: [number, number] | null
}

export function historyRows(history: Pick<StationHistory, 'points' | 'gaps'>): HistoryRow[] {
  return historyTimeline(history).map((row) => ({
    at: row.at,
    bikes: row.bikes,
    docks: row.docks,
    band: row.minBikes === null || row.maxBikes === null ? null : [row.minBikes, row.maxBikes],
  }))
}

const HOUR_MS = 3_600_000

/**
 * Axis ticks on round times of the system's clock: every 3 hours over a day, local midnights over
 * a week, every few midnights over a month; with their labels ("15:00", "Thu 22", "Feb 3").
 */
export function timeTicks(
  start: number,
  end: number,
  timeZone: string,
): { ticks: number[]; format: (value: number) => string } {
  const span = end - start
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    minute: 'numeric',
    day: 'numeric',
    hourCycle: 'h23',
  })
  const local = (at: number) => {
    const out = { hour: 0, minute: 0, day: 0 }
    for (const part of parts.formatToParts(new Date(at))) {
      if (part.type === 'hour' || part.type === 'minute' || part.type === 'day') {
        out[part.type] = Number(part.value)
      }
    }
    return out
  }
  const hours = span <= 36 * HOUR_MS
  const everyDays = Math.max(1, Math.ceil(span / (10 * 24 * HOUR_MS)))
  const ticks: number[] = []
  // Whole hours (UTC) are whole hours locally in every zone a bike-share system uses but a few.
  for (let at = Math.ceil(start / HOUR_MS) * HOUR_MS; at <= end; at += HOUR_MS) {
    const { hour, minute, day } = local(at)
    if (minute !== 0) continue
    if (hours ? hour % 3 === 0 : hour === 0 && (day - 1) % everyDays === 0) ticks.push(at)
  }
  const options: Intl.DateTimeFormatOptions = hours
    ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : span <= 8 * 24 * HOUR_MS
      ? { weekday: 'short', day: 'numeric' }
      : { month: 'short', day: 'numeric' }
  const format = new Intl.DateTimeFormat(undefined, { ...options, timeZone })
  return { ticks, format: (value: number) => format.format(new Date(value)) }
}
