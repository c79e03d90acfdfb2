import type { z } from 'zod'
import {
  CLUSTER_NEAREST,
  OUTAGE_GRACE_MINUTES,
  SERVICE_HOURS,
  serviceClustersSchema,
  serviceCrewsSchema,
  serviceDayRequestSchema,
  serviceRangeSchema,
  serviceRefreshReportSchema,
  serviceRefreshRequestSchema,
  serviceReportSchema,
  serviceStationsSchema,
  serviceSummarySchema,
  serviceTaskEffectsSchema,
  type ServiceRange,
} from '../service-levels.js'
import { csvFormat } from './flows.js'
import { operation, type HttpRoute } from './operation.js'
import { DISPATCH, READERS } from './roles.js'

/** Service levels: minutes empty and full, cluster outages, the crews' work; JSON or CSV. */

const rangeQuery = serviceRangeSchema.extend({ format: csvFormat }).strict()
const dayQuery = serviceDayRequestSchema.extend({ format: csvFormat }).strict()

const RULES = `Service hours ${SERVICE_HOURS.start}-${SERVICE_HOURS.end} on the system's clock. A polled state holds until the next poll; polls further apart than twice their median spacing are not bridged (unknown). Empty: installed and renting with no bike; full: installed and returning with no dock. A cluster (a station and every station within 1/3 mile, or its ${CLUSTER_NEAREST} nearest when fewer are that close) is out while none of its stations has a usable bike or none an operable dock; each outage's minutes beyond ${OUTAGE_GRACE_MINUTES} in a row count, at $1 each. Days are local dates, [from, to).`

/** The query without `format`: how the answer is written is not the question. */
function withoutFormat<T extends { format?: unknown }>(query: T): Omit<T, 'format'> {
  const copy: Partial<T> = { ...query }
  delete copy.format
  return copy as Omit<T, 'format'>
}

/** A GET /service/* route over a range of days, as JSON or CSV (`format` is not the input's). */
function rangeRoute(path: string): HttpRoute<ServiceRange> {
  return {
    method: 'get',
    path,
    tag: 'service levels',
    query: rangeQuery,
    alsoProduces: ['text/csv'],
    errors: [404],
    fromHttp: ({ query }: { query: z.output<typeof rangeQuery> }) => withoutFormat(query),
  }
}

const range = { from: '2023-07-10', to: '2023-07-17' }

/** A read of the service levels over a range of days, for the readers, as JSON or CSV. */
function rangeOperation<const N extends string, O extends z.ZodType>(
  name: N,
  path: string,
  output: O,
  about: { summary: string; description?: string; example: z.input<typeof serviceRangeSchema> },
) {
  return operation({
    name,
    summary: about.summary,
    description: about.description ?? RULES,
    roles: READERS,
    input: serviceRangeSchema,
    output,
    route: rangeRoute(path),
    example: about.example,
  })
}

export const serviceSummary = rangeOperation(
  'service:summary',
  '/service/days',
  serviceSummarySchema,
  {
    summary:
      'The system’s service levels per day: minutes empty, full and unknown, cluster outages',
    example: range,
  },
)

export const serviceStations = rangeOperation(
  'service:stations',
  '/service/stations',
  serviceStationsSchema,
  {
    summary:
      'Every station’s service levels over a range of days, most minutes empty or full first',
    example: { system: 'lyft_bay', ...range },
  },
)

export const serviceClusters = rangeOperation(
  'service:clusters',
  '/service/clusters',
  serviceClustersSchema,
  {
    summary: 'Every cluster’s outages over a range of days, most outage minutes first',
    example: { from: '2023-07-10', to: '2023-07-11' },
  },
)

export const serviceCrews = rangeOperation('service:crews', '/service/crews', serviceCrewsSchema, {
  summary: 'Tasks per day and hour, how long each step took, and each crew’s work',
  description:
    'Days and hours on the system’s clock. Durations: suggestion to approval (the task’s creation), approval to the first claim, claim to completion. Hours on shift: time holding a task or sending heartbeats at most 15 minutes apart. CSV: the crews.',
  example: range,
})

export const serviceTaskEffects = rangeOperation(
  'service:taskEffects',
  '/service/tasks',
  serviceTaskEffectsSchema,
  {
    summary: 'Each completed task’s stations: minutes empty and full in the hours before and after',
    description:
      'For every task completed in the range: the source station (bikes taken) and the sink (bikes brought), minutes empty, full and unknown in the 2 hours before completion and the 2 hours after (less for a task completed under 2 hours ago).',
    example: { from: '2023-07-12', to: '2023-07-13' },
  },
)

export const serviceReport = operation({
  name: 'service:report',
  summary: 'One day’s report: every station, the clusters out, the crews',
  description: `What \`balancer report --day D --json\` prints. ${RULES} CSV: the stations.`,
  roles: READERS,
  input: serviceDayRequestSchema,
  output: serviceReportSchema,
  route: {
    method: 'get',
    path: '/service/report',
    tag: 'service levels',
    query: dayQuery,
    alsoProduces: ['text/csv'],
    errors: [404],
    fromHttp: ({ query }: { query: z.output<typeof dayQuery> }) => withoutFormat(query),
  },
  example: { day: '2023-07-12' },
})

export const serviceRefresh = operation({
  name: 'service:refresh',
  summary: 'Bring the daily summaries up to date now (all days of a range with rebuild)',
  description:
    'The polling console does this after its polls; an import of a recorded history does it for the days it covers.',
  roles: DISPATCH,
  input: serviceRefreshRequestSchema,
  output: serviceRefreshReportSchema,
  route: {
    method: 'post',
    path: '/service/refresh',
    tag: 'service levels',
    body: serviceRefreshRequestSchema,
    errors: [404],
  },
  example: { from: '2023-07-10', to: '2023-07-17', rebuild: true },
})

export const SERVICE = [
  serviceSummary,
  serviceStations,
  serviceClusters,
  serviceCrews,
  serviceTaskEffects,
  serviceReport,
  serviceRefresh,
] as const
