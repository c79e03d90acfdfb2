import { z } from 'zod'

/**
 * The service-level answers (the response schemas of the routes and the types the renderer and
 * `balancer report` compile against); the requests, constants and import types are in
 * `service-levels.ts`, which re-exports this file: import from there.
 */

const minutes = (description: string) => z.number().meta({ description })
const share = (description: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .meta({ description: `${description}; null when unknown` })

/** What a station, a day or a range adds up to. */
export const serviceFiguresSchema = z.object({
  minutes_empty: minutes('No usable bike while installed and renting'),
  minutes_full: minutes('No operable dock while installed and returning'),
  minutes_unknown: minutes(
    'No report: polls further apart than twice their median spacing, or the feed left the station out',
  ),
  minutes_closed: minutes(
    'Reported but not in service: not installed, or neither renting nor returning',
  ),
  minutes_known: minutes('Service minutes with a report (the denominator of the shares)'),
  availability_1: share('Share of known minutes with at least 1 usable bike and 1 usable dock'),
  availability_2: share('Share of known minutes with at least 2 usable bikes and 2 usable docks'),
})
export type ServiceFigures = z.infer<typeof serviceFiguresSchema>

export const serviceDaySchema = serviceFiguresSchema
  .extend({
    day: z.string(),
    complete: z.boolean().meta({
      description:
        'False while later polls can still change the day (today, or a day whose last poll is recent)',
    }),
    as_of: z
      .string()
      .meta({ description: 'The figures cover the service hours up to this instant' }),
    stations: z.int(),
    snapshots: z.int().meta({ description: 'Status snapshots (polls) in the service hours' }),
    bridge_minutes: z.number().nullable().meta({
      description: 'Polls at most this far apart are bridged (twice the median spacing)',
    }),
    clusters: z.int(),
    cluster_outage_minutes: minutes(
      'Minutes beyond 10 in a row with a cluster out, over all clusters',
    ),
    cluster_outage_dollars: z.number(),
    cluster_episodes: z.int().meta({ description: 'Outages longer than 10 minutes' }),
  })
  .meta({ id: 'ServiceDay' })
export type ServiceDay = z.infer<typeof serviceDaySchema>

const systemHeader = {
  system_id: z.string(),
  system_name: z.string(),
  time_zone: z.string(),
  service_hours: z.object({ start: z.string(), end: z.string() }),
}

/** The system and the range of local days an answer covers. */
const systemRange = { ...systemHeader, from: z.string(), to: z.string() }

export const serviceSummarySchema = z
  .object({
    ...systemRange,
    /** The first and last day with status history, whatever the range asked. */
    data: z.object({ first_day: z.string(), last_day: z.string() }).nullable(),
    days: z.array(serviceDaySchema).meta({ description: 'Days of the range with status history' }),
    totals: serviceFiguresSchema.extend({
      days: z.int(),
      cluster_outage_minutes: z.number(),
      cluster_outage_dollars: z.number(),
      cluster_episodes: z.int(),
    }),
  })
  .meta({ id: 'ServiceSummary' })
export type ServiceSummary = z.infer<typeof serviceSummarySchema>

export const serviceStationSchema = serviceFiguresSchema
  .extend({
    station_id: z.string(),
    name: z.string(),
    days: z.int().meta({ description: 'Days of the range the station was in the system' }),
    cluster_outage_minutes: minutes('Of the cluster around this station'),
  })
  .meta({ id: 'ServiceStation' })
export type ServiceStation = z.infer<typeof serviceStationSchema>

export const serviceStationsSchema = z
  .object({
    ...systemRange,
    stations: z.array(serviceStationSchema).meta({
      description: 'Every station with status in the range, most minutes empty or full first',
    }),
  })
  .meta({ id: 'ServiceStations' })
export type ServiceStations = z.infer<typeof serviceStationsSchema>

export const clusterMemberSchema = z.object({
  station_id: z.string(),
  name: z.string(),
  distance_meters: z.number(),
})
export type ClusterMember = z.infer<typeof clusterMemberSchema>

export const serviceClusterSchema = z
  .object({
    station_id: z.string().meta({ description: 'The station the cluster is around' }),
    name: z.string(),
    members: z.array(clusterMemberSchema).meta({
      description: 'The other stations of the cluster (on the range’s last day), nearest first',
    }),
    outage_minutes: minutes(
      'Minutes beyond 10 in a row with no usable bike or no operable dock in the whole cluster',
    ),
    outage_dollars: z.number(),
    minutes_out: minutes('Every minute out, the first 10 of each outage included'),
    minutes_out_empty: minutes('Out because no station of the cluster had a usable bike'),
    minutes_out_full: minutes('Out because none had an operable dock'),
    episodes: z.int().meta({ description: 'Outages longer than 10 minutes' }),
    longest_minutes: z.number(),
  })
  .meta({ id: 'ServiceCluster' })
export type ServiceCluster = z.infer<typeof serviceClusterSchema>

export const serviceClustersSchema = z
  .object({
    ...systemRange,
    radius_meters: z.number(),
    clusters: z.array(serviceClusterSchema).meta({
      description: 'Every cluster, most outage minutes first',
    }),
  })
  .meta({ id: 'ServiceClusters' })
export type ServiceClusters = z.infer<typeof serviceClustersSchema>

export const durationStatsSchema = z
  .object({
    count: z.int(),
    median_minutes: z.number().nullable(),
    p90_minutes: z.number().nullable(),
    mean_minutes: z.number().nullable(),
  })
  .meta({ id: 'DurationStats' })
export type DurationStats = z.infer<typeof durationStatsSchema>

export const taskCountsSchema = z.object({
  created: z.int().meta({ description: 'Tasks made (approved suggestions and direct tasks)' }),
  dispatched: z
    .int()
    .meta({ description: 'Hand-outs to a crew (a task released and claimed again counts twice)' }),
  completed: z.int(),
  canceled: z.int(),
  released: z.int().meta({ description: 'Hand-outs given back to the queue' }),
  bikes_moved: z
    .int()
    .meta({ description: 'Of completed tasks: what the crew reported, else the task’s quantity' }),
})
export type TaskCounts = z.infer<typeof taskCountsSchema>

export const crewPerformanceSchema = z
  .object({
    crew_id: z.string(),
    name: z.string(),
    claimed: z.int(),
    completed: z.int(),
    released: z.int(),
    canceled: z.int().meta({ description: 'Tasks canceled while this crew held them' }),
    bikes_moved: z.int(),
    hours_on_shift: z.number().meta({
      description: 'Time holding a task or sending heartbeats at most 15 minutes apart',
    }),
    bikes_per_hour: z.number().nullable(),
    claim_to_completion: durationStatsSchema,
  })
  .meta({ id: 'CrewPerformance' })
export type CrewPerformance = z.infer<typeof crewPerformanceSchema>

export const serviceCrewsSchema = z
  .object({
    ...systemRange,
    crews: z.array(crewPerformanceSchema),
    days: z.array(taskCountsSchema.extend({ day: z.string() })),
    hours: z
      .array(taskCountsSchema.extend({ start: z.string(), local: z.string() }))
      .meta({ description: 'Every hour of the range on the system’s clock' }),
    totals: taskCountsSchema,
    durations: z.object({
      suggestion_to_approval: durationStatsSchema,
      approval_to_claim: durationStatsSchema,
      claim_to_completion: durationStatsSchema,
    }),
  })
  .meta({ id: 'ServiceCrews' })
export type ServiceCrews = z.infer<typeof serviceCrewsSchema>

const effectSide = z.object({
  station_id: z.string(),
  name: z.string(),
  minutes_empty_before: z.number(),
  minutes_empty_after: z.number(),
  minutes_full_before: z.number(),
  minutes_full_after: z.number(),
  minutes_unknown_before: z.number(),
  minutes_unknown_after: z.number(),
})
export type TaskEffectSide = z.infer<typeof effectSide>

export const taskEffectSchema = z
  .object({
    task_id: z.int(),
    worker_id: z.string().nullable(),
    completed_at: z.string(),
    qty: z.int(),
    bikes_moved: z.int(),
    from_station: effectSide.meta({ description: 'Where the bikes were taken from' }),
    to_station: effectSide.meta({ description: 'Where they were brought' }),
    after_minutes: z.number().meta({
      description: 'Minutes after completion looked at (less than the window for recent tasks)',
    }),
  })
  .meta({ id: 'TaskEffect' })
export type TaskEffect = z.infer<typeof taskEffectSchema>

export const serviceTaskEffectsSchema = z
  .object({
    ...systemRange,
    window_minutes: z.int(),
    tasks: z.array(taskEffectSchema),
    totals: z.object({
      tasks: z.int(),
      source_minutes_full_before: z.number(),
      source_minutes_full_after: z.number(),
      sink_minutes_empty_before: z.number(),
      sink_minutes_empty_after: z.number(),
    }),
  })
  .meta({ id: 'ServiceTaskEffects' })
export type ServiceTaskEffects = z.infer<typeof serviceTaskEffectsSchema>

export const reportStationSchema = serviceFiguresSchema
  .extend({ station_id: z.string(), name: z.string() })
  .meta({ id: 'ReportStation' })
export type ReportStation = z.infer<typeof reportStationSchema>

/** `balancer report --day D --json`, GET /service/report and the printable daily report. */
export const serviceReportSchema = z
  .object({
    day: z.string(),
    stations: z.array(reportStationSchema).meta({ description: 'Every station, by id' }),
    cluster_outage_minutes: z.number(),
    ...systemHeader,
    summary: serviceDaySchema.meta({
      description: 'The day’s figures; snapshots 0 when the system has no status history that day',
    }),
    /** The first and last day with status history, for a report of another day. */
    data: z.object({ first_day: z.string(), last_day: z.string() }).nullable(),
    clusters: z
      .array(serviceClusterSchema)
      .meta({ description: 'Clusters with an outage that day, most minutes first' }),
    crews: z.array(crewPerformanceSchema),
    tasks: taskCountsSchema,
    durations: serviceCrewsSchema.shape.durations,
  })
  .meta({ id: 'ServiceReport' })
export type ServiceReport = z.infer<typeof serviceReportSchema>

export const serviceRefreshReportSchema = z
  .object({
    system_id: z.string(),
    days: z.array(z.object({ day: z.string(), complete: z.boolean(), ms: z.number() })),
    seconds: z.number(),
  })
  .meta({ id: 'ServiceRefreshReport' })
export type ServiceRefreshReport = z.infer<typeof serviceRefreshReportSchema>
