import { MAX_SERVICE_DAYS, type ServiceRange } from '../../../shared/service-levels'
import { reportHash, type ServiceDayRef } from '../shell/routes'
import { addDays } from '../station/chart-data'

/**
 * The days the Service page shows: local dates of the system, `to` exclusive as the API takes
 * them (and as the address keeps them); people are shown the last day, `to` minus one.
 */
export interface DayRange {
  from: string
  to: string
}

/** What `#/service?system=...&from=...&to=...` asks for; `system` left out means the only one. */
export interface ServiceQuery extends DayRange {
  system?: string
}

/** The data's first and last day with status history (`summary.data`). */
export interface DataDays {
  first_day: string
  last_day: string
}

export const PRESETS = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
] as const

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** A real calendar date written as the API writes it (`2023-02-30` is not one). */
export function isDate(text: string): boolean {
  return DATE.test(text) && addDays(text, 0) === text
}

export function dayCount({ from, to }: DayRange): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

export function lastDayOf(range: DayRange): string {
  return addDays(range.to, -1)
}

/** Every day of the range, in order. */
export function daysOf(range: DayRange): string[] {
  return Array.from({ length: Math.max(0, dayCount(range)) }, (_, i) => addDays(range.from, i))
}

/** The `days` days ending on the data's last day. */
export function presetRange(lastDay: string, days: number): DayRange {
  return { from: addDays(lastDay, 1 - days), to: addDays(lastDay, 1) }
}

/** The same number of days, one whole range earlier (-1) or later (+1). */
export function shiftRange(range: DayRange, direction: -1 | 1): DayRange {
  const days = dayCount(range)
  return { from: addDays(range.from, direction * days), to: addDays(range.to, direction * days) }
}

/**
 * A new first day; the last day follows when it would come before it, and the range is kept
 * within the API's limit by bringing the last day in.
 */
export function withFirstDay(range: DayRange, from: string): DayRange {
  const to = range.to <= from ? addDays(from, 1) : range.to
  return {
    from,
    to: dayCount({ from, to }) > MAX_SERVICE_DAYS ? addDays(from, MAX_SERVICE_DAYS) : to,
  }
}

/** A new last day (inclusive, as the page shows it); the first day likewise follows. */
export function withLastDay(range: DayRange, last: string): DayRange {
  const to = addDays(last, 1)
  const from = range.from >= to ? last : range.from
  return {
    from: dayCount({ from, to }) > MAX_SERVICE_DAYS ? addDays(to, -MAX_SERVICE_DAYS) : from,
    to,
  }
}

/**
 * For a range that holds no day of the data: as many days, moved to the nearest end of the data
 * (its first days for a range before them, else its last days).
 */
export function jumpToData(range: DayRange, data: DataDays): DayRange {
  const days = Math.min(
    dayCount(range),
    dayCount({ from: data.first_day, to: addDays(data.last_day, 1) }),
  )
  if (range.to <= data.first_day) return { from: data.first_day, to: addDays(data.first_day, days) }
  return presetRange(data.last_day, days)
}

/** The range an address asks for, or null when it names none (or no sensible one). */
export function parseServiceQuery(query: string): ServiceQuery | null {
  const params = new URLSearchParams(query)
  const from = params.get('from') ?? ''
  const to = params.get('to') ?? ''
  if (!isDate(from) || !isDate(to) || to <= from) return null
  if (dayCount({ from, to }) > MAX_SERVICE_DAYS) return null
  const system = params.get('system')?.trim()
  return system ? { system, from, to } : { from, to }
}

/** Just the system an address names, for the first visit, before any range is chosen. */
export function systemOfQuery(query: string): string | undefined {
  return new URLSearchParams(query).get('system')?.trim() || undefined
}

/** `#/service?from=2023-07-10&to=2023-07-17` (with `system=` when one was chosen). */
export function serviceHash({ system, from, to }: ServiceQuery): string {
  const params = new URLSearchParams()
  if (system) params.set('system', system)
  params.set('from', from)
  params.set('to', to)
  return `#/service?${params.toString()}`
}

/**
 * A day's report, carrying the range it was opened from (`?from=...&to=...`): its way back to
 * Service returns to those days.
 */
export function reportAddress(day: ServiceDayRef, from: DayRange): string {
  return `${reportHash(day)}?from=${from.from}&to=${from.to}`
}

/** Where a report's "Service" goes: the range it came from, else the week ending on its day. */
export function serviceOfReport(day: ServiceDayRef, query: string): string {
  const from = parseServiceQuery(query)
  const range = from && from.from <= day.day && day.day < from.to ? from : presetRange(day.day, 7)
  return serviceHash({ system: day.systemId, from: range.from, to: range.to })
}

/** Which preset a range is, if any: the Service page marks it as chosen. */
export function presetOf(range: DayRange, lastDay: string): number | null {
  const match = PRESETS.find((preset) => {
    const candidate = presetRange(lastDay, preset.days)
    return candidate.from === range.from && candidate.to === range.to
  })
  return match?.days ?? null
}

/** The local date on this computer's clock: any date will do to ask where the data lies. */
export function localToday(now = new Date()): string {
  const month = String(now.getMonth() + 1).padStart(2, '0')
  const day = String(now.getDate()).padStart(2, '0')
  return `${now.getFullYear()}-${month}-${day}`
}

const WEEKDAY = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' })
const SHORT = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
})
const LONG = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
})

const at = (day: string) => new Date(`${day}T00:00:00Z`)

/** "Mon" for a local date (a date has no zone: it is read as written). */
export function weekday(day: string): string {
  return WEEKDAY.format(at(day))
}

/** "Mon, Jul 10": a day on an axis or in a tooltip. */
export function dayLabel(day: string): string {
  return `${weekday(day)}, ${SHORT.format(at(day))}`
}

/** "Monday, July 10, 2023": the day a report is about. */
export function longDay(day: string): string {
  return LONG.format(at(day))
}

/** "Jul 10 – Jul 16, 2023" (or one day): the range in words. */
export function rangeLabel(range: DayRange): string {
  const last = lastDayOf(range)
  const year = last.slice(0, 4)
  if (last === range.from) return `${dayLabel(last)}, ${year}`
  const sameYear = range.from.slice(0, 4) === year
  return `${SHORT.format(at(range.from))}${sameYear ? '' : `, ${range.from.slice(0, 4)}`} – ${SHORT.format(at(last))}, ${year}`
}

/** A range request, naming the system only when one was chosen (else the server's only one). */
export function rangeRequest(system: string | undefined, range: DayRange): ServiceRange {
  return system ? { system, from: range.from, to: range.to } : { from: range.from, to: range.to }
}
