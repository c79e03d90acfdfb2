import type {
  CrewPerformance,
  ReportStation,
  ServiceCluster,
  ServiceStation,
  TaskEffect,
} from '../../../shared/service-levels'
import { compareNames, sortRows, type SortDirection, type SortValue } from '../common/sort'

/** Names sort from A, numbers from the largest: what one looks for first. */
export function firstDirection(value: SortValue): SortDirection {
  return typeof value === 'string' ? 'asc' : 'desc'
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

/** Of a day's stations, those that failed riders at all, most minutes first. */
export function stationsEmptyOrFull(stations: readonly ReportStation[]): ReportStation[] {
  return sortRows(
    stations.filter((station) => emptyOrFull(station) > 0),
    emptyOrFull,
    'desc',
    (x, y) => compareNames(x.name, y.name),
  )
}
