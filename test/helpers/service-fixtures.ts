import type {
  CrewPerformance,
  DurationStats,
  ServiceCluster,
  ServiceClusters,
  ServiceCrews,
  ServiceDay,
  ServiceRange,
  ServiceReport,
  ServiceStation,
  ServiceStations,
  ServiceSummary,
  ServiceTaskEffects,
  TaskCounts,
  TaskEffect,
} from '../../src/shared/service-levels.js'

/**
 * Service levels as the recorded Bay Wheels week gives them (2023-07-10 to 07-16, 517 stations,
 * polls 7 to 10 minutes apart with evening gaps), for the console's tests in jsdom and in
 * Chromium: every figure is made from a few numbers, so a test can say what the page must show.
 */

export const SERVICE_SYSTEM = {
  system_id: 'bay_wheels',
  system_name: 'Bay Wheels',
  time_zone: 'America/Los_Angeles',
  service_hours: { start: '06:00', end: '22:00' },
}
export const SERVICE_DATA = { first_day: '2023-07-10', last_day: '2023-07-16' }
/** 517 stations over the 960 minutes from 06:00 to 22:00. */
const STATION_MINUTES = 517 * 960

export const SERVICE_DAYS = [
  '2023-07-10',
  '2023-07-11',
  '2023-07-12',
  '2023-07-13',
  '2023-07-14',
  '2023-07-15',
  '2023-07-16',
] as const

/**
 * Day i of the week: 12,000 + 600 i minutes empty, 4,800 full, an hour of every station unknown
 * (the evening gap), 3 stations closed, 140 + 20 i cluster outage minutes.
 */
export function serviceDay(day: string, rest: Partial<ServiceDay> = {}): ServiceDay {
  const i = Math.max(0, SERVICE_DAYS.indexOf(day as (typeof SERVICE_DAYS)[number]))
  const empty = 12_000 + 600 * i
  const full = 4_800
  const unknown = 31_020
  const closed = 2_880
  const known = STATION_MINUTES - unknown - closed
  const outage = 140 + 20 * i
  return {
    day,
    complete: true,
    as_of: `${addDay(day)}T05:00:00.000Z`,
    stations: 517,
    snapshots: 104,
    bridge_minutes: 18,
    minutes_empty: empty,
    minutes_full: full,
    minutes_unknown: unknown,
    minutes_closed: closed,
    minutes_known: known,
    availability_1: 1 - (empty + full) / known,
    availability_2: 1 - (empty + full) / known - 0.05,
    clusters: 517,
    cluster_outage_minutes: outage,
    cluster_outage_dollars: outage,
    cluster_episodes: 3 + i,
    ...rest,
  }
}

function addDay(day: string, by = 1): string {
  const at = new Date(`${day}T00:00:00Z`)
  at.setUTCDate(at.getUTCDate() + by)
  return at.toISOString().slice(0, 10)
}

const inRange = (day: string, { from, to }: ServiceRange) => day >= from && day < to

/** The range's summary from `days` (the recorded week by default), totals added up as the API does. */
export function serviceSummary(
  range: ServiceRange,
  days: ServiceDay[] = SERVICE_DAYS.map((day) => serviceDay(day)),
  data: ServiceSummary['data'] = SERVICE_DATA,
): ServiceSummary {
  const shown = days.filter((day) => inRange(day.day, range))
  const sum = (key: keyof ServiceDay) =>
    shown.reduce((total, day) => total + (day[key] as number), 0)
  const known = sum('minutes_known')
  const weighted = (key: 'availability_1' | 'availability_2') =>
    known === 0
      ? null
      : shown.reduce((total, day) => total + (day[key] ?? 0) * day.minutes_known, 0) / known
  return {
    ...SERVICE_SYSTEM,
    from: range.from,
    to: range.to,
    data,
    days: shown,
    totals: {
      days: shown.length,
      minutes_empty: sum('minutes_empty'),
      minutes_full: sum('minutes_full'),
      minutes_unknown: sum('minutes_unknown'),
      minutes_closed: sum('minutes_closed'),
      minutes_known: known,
      availability_1: weighted('availability_1'),
      availability_2: weighted('availability_2'),
      cluster_outage_minutes: sum('cluster_outage_minutes'),
      cluster_outage_dollars: sum('cluster_outage_dollars'),
      cluster_episodes: sum('cluster_episodes'),
    },
  }
}

/** 26 San Francisco stations of the recorded week, by their feed ids. */
export const SERVICE_STATIONS: [string, string][] = [
  ['03eb8b17-d20f-400c-a98a-dcbc947228af', 'Victoria Manalo Draves Park'],
  ['04678a3e-1ec0-4493-a3cc-b92e74ab40ec', 'Folsom St at 13th St'],
  ['07303af0-cf6e-46f2-bf9c-9ebb61f21adc', 'Broadway at Kearny St'],
  ['083eaf2a-4d3f-4d83-986a-98f67f7f22b4', 'Howard St at Beale St'],
  ['08a1a4d2-e83a-4911-8743-41006698f4da', 'Valencia St at 21st St'],
  ['0b596735-1b55-4aaa-8421-2ac1a39267b1', 'Esprit Park (19th St at Minnesota St)'],
  ['0d6a9101-5b40-4fdf-9315-e494af1baf7b', 'Bond St at High St'],
  ['11547c9b-2e36-4fc5-9e81-9d5817ae35dc', 'Jones St at Post St'],
  ['13f59664-7cdd-451c-b4bb-1e8d660164c8', 'Folsom St at 5th St'],
  ['16fbff76-56d1-4e2b-b735-ec21b8cd3181', 'Folsom St at 9th St'],
  ['16fea24d-ec2c-4e37-8f63-fc9f793de2cf', 'Embarcadero BART Station (Beale St at Market St)'],
  ['1716540857410079456', '*Howard St at Grace St'],
  ['1796768684962034320', 'Brannan St at Harriet St'],
  ['1797852360041415006', 'Delancey St at Brannan St'],
  ['1800093756410558978', 'Mabini St at Folsom St'],
  ['1800094563864410450', 'S Park St at 2nd St'],
  ['1822622c-b9e0-43fe-8bf9-9f26024aa426', '8th St at Ringold St'],
  ['18fb1a9a-e3ee-4a18-a00d-45c1e0d14d16', '17th St at Valencia St'],
  ['194a64ab-b6b4-4724-bd21-01b4e9cbe629', '23rd St at Tennessee St'],
  ['1b13a386-c5f4-42cc-bc3b-ded95982e090', 'Powell St BART Station (Market St at 4th St)'],
  ['1d0da57a-5fe4-48af-b66b-5f380706eb4e', 'Garfield Square (25th St at Harrison St)'],
  ['21883e7a-ea31-4cfc-843a-ca8263b39fda', 'Salesforce Transit Center (Natoma St at 2nd St)'],
  ['22a9d86b-ba44-4f2f-b167-355f99c7968c', '7th St at King St'],
  ['236c090a-68d6-4e2a-8a93-9d701ec242d9', 'Allyne Park (Green St at Gough St)'],
  ['28844b82-850f-4e02-95c6-59d6076e8516', '4th St at Mission Bay Blvd S'],
  ['1800094563864410451', 'Townsend St at 5th St, "North"'],
]

/** Station i over `days` days: 40 fewer minutes empty than the one before it, full on a cycle of 5. */
export function serviceStation(i: number, days = 7): ServiceStation {
  const [station_id, name] = SERVICE_STATIONS[i] ?? [`S${i}`, `Station ${i}`]
  const empty = Math.max(0, 900 - 40 * i) * (days / 7)
  const full = (i % 5) * 55 * (days / 7)
  const unknown = 60 * days
  const known = 960 * days - unknown
  return {
    station_id,
    name,
    days,
    minutes_empty: empty,
    minutes_full: full,
    minutes_unknown: unknown,
    minutes_closed: 0,
    minutes_known: known,
    availability_1: 1 - (empty + full) / known,
    availability_2: 1 - (empty + full) / known - 0.04,
    cluster_outage_minutes: i < 6 ? 120 - 20 * i : 0,
  }
}

const member = (i: number, distance: number) => {
  const [station_id, name] = SERVICE_STATIONS[i] ?? [`S${i}`, `Station ${i}`]
  return { station_id, name, distance_meters: distance }
}

/** A cluster around station `center` with the given members, out `outage` minutes. */
export function serviceCluster(
  center: number,
  members: number[],
  outage: number,
  rest: Partial<ServiceCluster> = {},
): ServiceCluster {
  const [station_id, name] = SERVICE_STATIONS[center] ?? [`S${center}`, `Station ${center}`]
  return {
    station_id,
    name,
    members: members.map((i, n) => member(i, 180 + 95 * n)),
    outage_minutes: outage,
    outage_dollars: outage,
    minutes_out: outage + (outage > 0 ? 30 : 0),
    minutes_out_empty: outage > 0 ? outage + 30 : 0,
    minutes_out_full: 0,
    episodes: outage > 0 ? Math.ceil(outage / 40) : 0,
    longest_minutes: outage > 0 ? Math.min(outage + 10, 75) : 0,
    ...rest,
  }
}

export const SERVICE_CLUSTERS: ServiceCluster[] = [
  serviceCluster(0, [1, 9, 16], 120),
  serviceCluster(3, [10, 15, 21], 95, {
    minutes_out_empty: 0,
    minutes_out_full: 125,
  }),
  serviceCluster(4, [17, 20], 60),
  serviceCluster(7, [19, 2], 0),
  serviceCluster(12, [13, 22], 0),
]

const stats = (count: number, median: number | null, p90: number | null): DurationStats => ({
  count,
  median_minutes: median,
  p90_minutes: p90,
  mean_minutes: median === null ? null : median * 1.2,
})

export function crewPerformance(
  crew_id: string,
  name: string,
  completed: number,
  rest: Partial<CrewPerformance> = {},
): CrewPerformance {
  const bikes = completed * 8
  const hours = 6.5
  return {
    crew_id,
    name,
    claimed: completed + 1,
    completed,
    released: 1,
    canceled: 0,
    bikes_moved: bikes,
    hours_on_shift: hours,
    bikes_per_hour: bikes / hours,
    claim_to_completion: stats(completed, 34, 58),
    ...rest,
  }
}

export const SERVICE_CREWS: CrewPerformance[] = [
  crewPerformance('van-1', 'Van 1', 14),
  crewPerformance('van-3', 'Van 3', 11, { canceled: 1, claim_to_completion: stats(11, 41, 72) }),
  crewPerformance('van-7', 'Van 7', 0, {
    claimed: 0,
    released: 0,
    hours_on_shift: 0,
    bikes_per_hour: null,
    claim_to_completion: stats(0, null, null),
  }),
]

function counts(created: number): TaskCounts {
  return {
    created,
    dispatched: created + 1,
    completed: created - 1,
    canceled: 1,
    released: 1,
    bikes_moved: (created - 1) * 8,
  }
}

export function serviceCrews(range: ServiceRange, crews = SERVICE_CREWS): ServiceCrews {
  const days = SERVICE_DAYS.filter((day) => inRange(day, range)).map((day, i) => ({
    day,
    ...counts(3 + (i % 3)),
  }))
  const total = (key: keyof TaskCounts) => days.reduce((sum, day) => sum + day[key], 0)
  return {
    ...SERVICE_SYSTEM,
    from: range.from,
    to: range.to,
    crews,
    days,
    hours: [],
    totals: {
      created: total('created'),
      dispatched: total('dispatched'),
      completed: total('completed'),
      canceled: total('canceled'),
      released: total('released'),
      bikes_moved: total('bikes_moved'),
    },
    durations: {
      suggestion_to_approval: stats(28, 6, 22),
      approval_to_claim: stats(27, 12, 47),
      claim_to_completion: stats(25, 36, 64),
    },
  }
}

/** Task `id` moved bikes from station `from` (full 45 min before, 5 after) to `to` (empty 50, then 0). */
export function taskEffect(id: number, from: number, to: number, day: string): TaskEffect {
  const side = (i: number) => {
    const [station_id, name] = SERVICE_STATIONS[i] ?? [`S${i}`, `Station ${i}`]
    return {
      station_id,
      name,
      minutes_empty_before: 0,
      minutes_empty_after: 0,
      minutes_full_before: 0,
      minutes_full_after: 0,
      minutes_unknown_before: 0,
      minutes_unknown_after: 0,
    }
  }
  return {
    task_id: id,
    worker_id: 'van-1',
    completed_at: `${day}T${id % 2 ? 22 : 17}:${String((id * 7) % 60).padStart(2, '0')}:00.000Z`,
    qty: 8,
    bikes_moved: 8,
    from_station: { ...side(from), minutes_full_before: 45, minutes_full_after: 5 },
    to_station: { ...side(to), minutes_empty_before: 50, minutes_empty_after: 0 },
    after_minutes: 120,
  }
}

export function serviceTaskEffects(range: ServiceRange): ServiceTaskEffects {
  const tasks = SERVICE_DAYS.filter((day) => inRange(day, range)).flatMap((day, i) => [
    taskEffect(100 + 2 * i, 3, 0, day),
    taskEffect(101 + 2 * i, 12, 4, day),
  ])
  return {
    ...SERVICE_SYSTEM,
    from: range.from,
    to: range.to,
    window_minutes: 120,
    tasks,
    totals: {
      tasks: tasks.length,
      source_minutes_full_before: 45 * tasks.length,
      source_minutes_full_after: 5 * tasks.length,
      sink_minutes_empty_before: 50 * tasks.length,
      sink_minutes_empty_after: 0,
    },
  }
}

export function serviceStations(range: ServiceRange, count = 26): ServiceStations {
  const days = SERVICE_DAYS.filter((day) => inRange(day, range)).length
  return {
    ...SERVICE_SYSTEM,
    from: range.from,
    to: range.to,
    stations: Array.from({ length: count }, (_, i) => serviceStation(i, days)),
  }
}

export function serviceClusters(range: ServiceRange): ServiceClusters {
  return {
    ...SERVICE_SYSTEM,
    from: range.from,
    to: range.to,
    radius_meters: 1609.344 / 3,
    clusters: SERVICE_CLUSTERS,
  }
}

/** One day's report: its stations (by id), the clusters out that day, crews and tasks. */
export function serviceReport(day: string, rest: Partial<ServiceDay> = {}): ServiceReport {
  const summary = serviceDay(day, rest)
  const range = { from: day, to: addDay(day) }
  const crews = serviceCrews(range)
  return {
    ...SERVICE_SYSTEM,
    day,
    summary,
    data: SERVICE_DATA,
    stations: Array.from({ length: 26 }, (_, i) => {
      const station = serviceStation(i, 1)
      return {
        station_id: station.station_id,
        name: station.name,
        minutes_empty: station.minutes_empty,
        minutes_full: station.minutes_full,
        minutes_unknown: station.minutes_unknown,
        minutes_closed: station.minutes_closed,
        minutes_known: station.minutes_known,
        availability_1: station.availability_1,
        availability_2: station.availability_2,
      }
    }).sort((a, b) => (a.station_id < b.station_id ? -1 : 1)),
    cluster_outage_minutes: summary.cluster_outage_minutes,
    clusters: SERVICE_CLUSTERS.filter((cluster) => cluster.outage_minutes > 0),
    crews: SERVICE_CREWS.slice(0, 2),
    tasks: crews.totals,
    durations: crews.durations,
  }
}
