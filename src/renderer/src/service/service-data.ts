import type {
  ServiceCrews,
  ServiceDay,
  ServiceFigures,
  ServiceSummary,
} from '../../../shared/service-levels'
import { addDays } from '../station/chart-data'
import { daysOf, weekday, type DayRange } from './range-data'

/** Station-minutes as station-hours: what a week of 500 stations reads best in. */
export const hours = (minutes: number) => minutes / 60

const ONE_DECIMAL = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
})
const WHOLE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })
const DOLLARS = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
})

/** "1,234.5" */
export const oneDecimal = (value: number) => ONE_DECIMAL.format(value)
/** "1,235" */
export const whole = (value: number) => WHOLE.format(value)
/** Minutes as "12.3 h". */
export const formatHours = (minutes: number) => `${oneDecimal(hours(minutes))} h`
/** "1,234 min": whole minutes, as the agreement counts them. */
export const formatMinutes = (minutes: number) => `${WHOLE.format(minutes)} min`
/** "$1,234": the operator's dollars. */
export const formatDollars = (dollars: number) => DOLLARS.format(dollars)
/** "97.3%", or a dash when nothing was known. */
export const formatShare = (share: number | null) =>
  share === null ? '—' : `${oneDecimal(share * 100)}%`
/** A median or p90: "14 min", "1 h 5 min"; a dash when nothing was measured. */
export function formatSpan(minutes: number | null): string {
  if (minutes === null) return '—'
  if (minutes < 1) return `${Math.round(minutes * 60)} s`
  const whole = Math.round(minutes)
  if (whole < 60) return `${whole} min`
  return whole % 60 ? `${Math.floor(whole / 60)} h ${whole % 60} min` : `${whole / 60} h`
}

/** What the page puts first: the range (or the day) in a few numbers. */
export interface Headline {
  hoursEmpty: number
  hoursFull: number
  hoursUnknown: number
  outageMinutes: number
  outageDollars: number
  /** Share of known minutes with at least 1 (2) usable bikes and docks; null when nothing is known. */
  availability1: number | null
  availability2: number | null
  /** Days with status history in the range. */
  days: number
  /** Those still running (today), which later polls can change. */
  incomplete: ServiceDay[]
  /** The bridge the days used: polls further apart than this left minutes unknown. */
  bridgeMinutes: { low: number; high: number } | null
}

type Totals = ServiceFigures & { cluster_outage_minutes: number; cluster_outage_dollars: number }

export function headline(totals: Totals, days: readonly ServiceDay[]): Headline {
  const bridges = days.flatMap((day) => (day.bridge_minutes === null ? [] : [day.bridge_minutes]))
  return {
    hoursEmpty: hours(totals.minutes_empty),
    hoursFull: hours(totals.minutes_full),
    hoursUnknown: hours(totals.minutes_unknown),
    outageMinutes: totals.cluster_outage_minutes,
    outageDollars: totals.cluster_outage_dollars,
    availability1: totals.availability_1,
    availability2: totals.availability_2,
    days: days.length,
    incomplete: days.filter((day) => !day.complete),
    bridgeMinutes:
      bridges.length === 0 ? null : { low: Math.min(...bridges), high: Math.max(...bridges) },
  }
}

export const summaryHeadline = (summary: ServiceSummary) => headline(summary.totals, summary.days)

/** Every day of an answer's range, with the answer's entry for it when it has one. */
function eachDay<T extends { day: string }>(
  answer: DayRange & { days: readonly T[] },
): [string, T | undefined][] {
  const byDay = new Map(answer.days.map((entry) => [entry.day, entry]))
  return daysOf(answer).map((day) => [day, byDay.get(day)])
}

/** One day of the range on the charts; a day without status history has no bars, not zeros. */
export interface DayRow {
  day: string
  hoursEmpty: number | null
  hoursFull: number | null
  hoursUnknown: number | null
  outageMinutes: number | null
  outageDollars: number | null
  complete: boolean
}

export function dayRows(summary: ServiceSummary): DayRow[] {
  return eachDay(summary).map(([day, figures]) => ({
    day,
    hoursEmpty: figures ? hours(figures.minutes_empty) : null,
    hoursFull: figures ? hours(figures.minutes_full) : null,
    hoursUnknown: figures ? hours(figures.minutes_unknown) : null,
    outageMinutes: figures ? figures.cluster_outage_minutes : null,
    outageDollars: figures ? figures.cluster_outage_dollars : null,
    complete: figures?.complete ?? true,
  }))
}

/** The axis label of a day: its weekday and date over a week, the date alone over a month. */
export function dayTick(day: string, days: number): string {
  return days <= 10
    ? `${weekday(day)} ${Number(day.slice(8))}`
    : `${Number(day.slice(5, 7))}/${Number(day.slice(8))}`
}

export interface TaskDayRow {
  day: string
  created: number
  dispatched: number
  completed: number
  canceled: number
}

/** Tasks by day, every day of the range (a day without tasks is a row of zeros). */
export function taskDayRows(crews: ServiceCrews): TaskDayRow[] {
  return eachDay(crews).map(([day, counts]) => ({
    day,
    created: counts?.created ?? 0,
    dispatched: counts?.dispatched ?? 0,
    completed: counts?.completed ?? 0,
    canceled: counts?.canceled ?? 0,
  }))
}

/**
 * Whether later polls can change what a summary shows: a day still running, days after the
 * data's last (the next poll may start one), or no history yet.
 */
export function mayChange(summary: ServiceSummary): boolean {
  if (summary.data === null) return true
  return summary.days.some((day) => !day.complete) || summary.to > addDays(summary.data.last_day, 1)
}

/**
 * Axis ticks from 0 to a round number at or above `max`, at most `steps` of 1, 2, 2.5 or 5 times
 * a power of ten (Recharts' own, from the data's maximum, come out as 0, 65, 130, 195, 260).
 * Counts never get a fractional step.
 */
export function niceTicks(max: number, { steps = 4, whole = false } = {}): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / steps
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = Math.max(
    whole ? 1 : 0,
    [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power,
  )
  return Array.from({ length: Math.ceil(max / step - 1e-9) + 1 }, (_, i) => i * step)
}
