import { csvFileName, type CsvRow } from '../../../shared/csv'
import type {
  CrewPerformance,
  DurationStats,
  ReportStation,
  ServiceCluster,
  ServiceCrews,
  ServiceDay,
  ServiceStation,
  TaskEffect,
} from '../../../shared/service-levels'
import { lastDayOf, type DayRange } from './range-data'

/** The Service page's tables, by the name their exports carry. */
export type TableName =
  'days' | 'stations' | 'clusters' | 'crews' | 'tasks' | 'durations' | 'effects'

export type SortDirection = 'asc' | 'desc'
export interface Sort<K extends string> {
  key: K
  direction: SortDirection
}
export type SortValue = number | string | null

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/**
 * Sorted by one value, rows without it last either way, ties by `tie` (a name): as the Stations
 * view sorts, so rows keep their places when the numbers are loaded again.
 */
export function sortRows<Row>(
  rows: readonly Row[],
  value: (row: Row) => SortValue,
  direction: SortDirection,
  tie: (row: Row) => string,
): Row[] {
  const sign = direction === 'asc' ? 1 : -1
  return rows
    .map((row) => ({ row, value: value(row) }))
    .sort((x, y) => {
      if (x.value === null || y.value === null) {
        if (x.value !== y.value) return x.value === null ? 1 : -1
      } else {
        const order =
          typeof x.value === 'number' && typeof y.value === 'number'
            ? x.value - y.value
            : collator.compare(String(x.value), String(y.value))
        if (order !== 0) return sign * order
      }
      return collator.compare(tie(x.row), tie(y.row))
    })
    .map(({ row }) => row)
}

/** Names sort from A, numbers from the largest: what one looks for first. */
export function firstDirection(value: SortValue): SortDirection {
  return typeof value === 'string' ? 'asc' : 'desc'
}

/** `service-stations-lyft_bay-2023-07-10-2023-07-16.csv`: the table, the system and the days it holds. */
export function exportName(table: TableName, system: string, range: DayRange): string {
  return csvFileName(`service-${table}-${system}-${range.from}-${lastDayOf(range)}`)
}

/** Of a station, the minutes it failed riders: no bike to take or no dock to return to. */
export const emptyOrFull = (row: { minutes_empty: number; minutes_full: number }) =>
  row.minutes_empty + row.minutes_full

/** A station's figures, as a range's table and a day's report both show them. */
export const FIGURE_SORTS = {
  name: (row: ReportStation) => row.name,
  empty: (row: ReportStation) => row.minutes_empty,
  full: (row: ReportStation) => row.minutes_full,
  emptyOrFull: (row: ReportStation) => emptyOrFull(row),
  unknown: (row: ReportStation) => row.minutes_unknown,
  availability1: (row: ReportStation) => row.availability_1,
  availability2: (row: ReportStation) => row.availability_2,
} satisfies Record<string, (row: ReportStation) => SortValue>

export const STATION_SORTS = {
  ...FIGURE_SORTS,
  outage: (row: ServiceStation) => row.cluster_outage_minutes,
} satisfies Record<string, (row: ServiceStation) => SortValue>

export const CLUSTER_SORTS = {
  name: (row: ServiceCluster) => row.name,
  members: (row: ServiceCluster) => row.members.length,
  outage: (row: ServiceCluster) => row.outage_minutes,
  dollars: (row: ServiceCluster) => row.outage_dollars,
  episodes: (row: ServiceCluster) => row.episodes,
  longest: (row: ServiceCluster) => row.longest_minutes,
  outEmpty: (row: ServiceCluster) => row.minutes_out_empty,
  outFull: (row: ServiceCluster) => row.minutes_out_full,
} satisfies Record<string, (row: ServiceCluster) => SortValue>

export const CREW_SORTS = {
  name: (row: CrewPerformance) => row.name,
  claimed: (row: CrewPerformance) => row.claimed,
  completed: (row: CrewPerformance) => row.completed,
  released: (row: CrewPerformance) => row.released,
  canceled: (row: CrewPerformance) => row.canceled,
  bikes: (row: CrewPerformance) => row.bikes_moved,
  hours: (row: CrewPerformance) => row.hours_on_shift,
  rate: (row: CrewPerformance) => row.bikes_per_hour,
  median: (row: CrewPerformance) => row.claim_to_completion.median_minutes,
} satisfies Record<string, (row: CrewPerformance) => SortValue>

export const EFFECT_SORTS = {
  task: (row: TaskEffect) => row.task_id,
  completed: (row: TaskEffect) => Date.parse(row.completed_at),
  crew: (row: TaskEffect) => row.worker_id,
  bikes: (row: TaskEffect) => row.bikes_moved,
  source: (row: TaskEffect) => row.from_station.name,
  sourceChange: (row: TaskEffect) =>
    row.from_station.minutes_full_after - row.from_station.minutes_full_before,
  sink: (row: TaskEffect) => row.to_station.name,
  sinkChange: (row: TaskEffect) =>
    row.to_station.minutes_empty_after - row.to_station.minutes_empty_before,
} satisfies Record<string, (row: TaskEffect) => SortValue>

/*
 * The exports: every row, every figure as the API gives it (minutes, shares from 0 to 1), under
 * the API's own names, so a spreadsheet made from one lines up with `balancer report --json`.
 */

const FIGURES = [
  'minutes_empty',
  'minutes_full',
  'minutes_unknown',
  'minutes_closed',
  'minutes_known',
  'availability_1',
  'availability_2',
] as const

export function daysCsv(days: readonly ServiceDay[]): CsvRow[] {
  return [
    [
      'day',
      'complete',
      'as_of',
      'stations',
      'snapshots',
      'bridge_minutes',
      ...FIGURES,
      'clusters',
      'cluster_outage_minutes',
      'cluster_outage_dollars',
      'cluster_episodes',
    ],
    ...days.map((day) => [
      day.day,
      day.complete,
      day.as_of,
      day.stations,
      day.snapshots,
      day.bridge_minutes,
      ...FIGURES.map((key) => day[key]),
      day.clusters,
      day.cluster_outage_minutes,
      day.cluster_outage_dollars,
      day.cluster_episodes,
    ]),
  ]
}

export function stationsCsv(systemId: string, stations: readonly ServiceStation[]): CsvRow[] {
  return [
    ['system_id', 'station_id', 'name', 'days', ...FIGURES, 'cluster_outage_minutes'],
    ...stations.map((row) => [
      systemId,
      row.station_id,
      row.name,
      row.days,
      ...FIGURES.map((key) => row[key]),
      row.cluster_outage_minutes,
    ]),
  ]
}

export function clustersCsv(systemId: string, clusters: readonly ServiceCluster[]): CsvRow[] {
  return [
    [
      'system_id',
      'station_id',
      'name',
      'members',
      'member_ids',
      'outage_minutes',
      'outage_dollars',
      'minutes_out',
      'minutes_out_empty',
      'minutes_out_full',
      'episodes',
      'longest_minutes',
    ],
    ...clusters.map((row) => [
      systemId,
      row.station_id,
      row.name,
      row.members.map((member) => member.name).join('; '),
      row.members.map((member) => member.station_id).join('; '),
      row.outage_minutes,
      row.outage_dollars,
      row.minutes_out,
      row.minutes_out_empty,
      row.minutes_out_full,
      row.episodes,
      row.longest_minutes,
    ]),
  ]
}

const STATS = ['count', 'median_minutes', 'p90_minutes', 'mean_minutes'] as const
const stats = (value: DurationStats) => STATS.map((key) => value[key])

export function crewsCsv(crews: readonly CrewPerformance[]): CsvRow[] {
  return [
    [
      'crew_id',
      'name',
      'claimed',
      'completed',
      'released',
      'canceled',
      'bikes_moved',
      'hours_on_shift',
      'bikes_per_hour',
      ...STATS.map((key) => `claim_to_completion_${key}`),
    ],
    ...crews.map((row) => [
      row.crew_id,
      row.name,
      row.claimed,
      row.completed,
      row.released,
      row.canceled,
      row.bikes_moved,
      row.hours_on_shift,
      row.bikes_per_hour,
      ...stats(row.claim_to_completion),
    ]),
  ]
}

export function taskDaysCsv(days: ServiceCrews['days']): CsvRow[] {
  return [
    ['day', 'created', 'dispatched', 'completed', 'canceled', 'released', 'bikes_moved'],
    ...days.map((day) => [
      day.day,
      day.created,
      day.dispatched,
      day.completed,
      day.canceled,
      day.released,
      day.bikes_moved,
    ]),
  ]
}

/** The steps of a task's life the durations table measures, in order. */
export const DURATION_STEPS = [
  { key: 'suggestion_to_approval', label: 'Suggestion → approval' },
  { key: 'approval_to_claim', label: 'Approval → claim' },
  { key: 'claim_to_completion', label: 'Claim → completion' },
] as const

export function durationsCsv(durations: ServiceCrews['durations']): CsvRow[] {
  return [
    ['step', ...STATS],
    ...DURATION_STEPS.map((step) => [step.key, ...stats(durations[step.key])]),
  ]
}

export function effectsCsv(effects: readonly TaskEffect[]): CsvRow[] {
  return [
    [
      'task_id',
      'worker_id',
      'completed_at',
      'qty',
      'bikes_moved',
      'after_minutes',
      'source_station_id',
      'source_name',
      'source_minutes_full_before',
      'source_minutes_full_after',
      'source_minutes_unknown_before',
      'source_minutes_unknown_after',
      'sink_station_id',
      'sink_name',
      'sink_minutes_empty_before',
      'sink_minutes_empty_after',
      'sink_minutes_unknown_before',
      'sink_minutes_unknown_after',
    ],
    ...effects.map((row) => [
      row.task_id,
      row.worker_id,
      row.completed_at,
      row.qty,
      row.bikes_moved,
      row.after_minutes,
      row.from_station.station_id,
      row.from_station.name,
      row.from_station.minutes_full_before,
      row.from_station.minutes_full_after,
      row.from_station.minutes_unknown_before,
      row.from_station.minutes_unknown_after,
      row.to_station.station_id,
      row.to_station.name,
      row.to_station.minutes_empty_before,
      row.to_station.minutes_empty_after,
      row.to_station.minutes_unknown_before,
      row.to_station.minutes_unknown_after,
    ]),
  ]
}

/** Of a day's stations, those that failed riders at all, most minutes first. */
export function stationsEmptyOrFull(stations: readonly ReportStation[]): ReportStation[] {
  return sortRows(
    stations.filter((station) => emptyOrFull(station) > 0),
    emptyOrFull,
    'desc',
    (station) => station.name,
  )
}
