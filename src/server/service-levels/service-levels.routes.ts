import { z } from 'zod'
import {
  clustersCsv,
  crewsCsv,
  daysCsv,
  effectsCsv,
  reportCsv,
  serviceCsvName,
  stationsCsv,
} from '../../shared/service-csv.js'
import type { Role } from '../../shared/dispatch.js'
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
  shiftDay,
} from '../../shared/service-levels.js'
import { ApiRouter } from '../http/api-router.js'
import { sendCsv, wantsCsv } from '../http/csv.js'
import type { ServiceLevelsService } from './service-levels.service.js'

/** Analysts are judged by these numbers; dispatchers watch them. */
const READERS: readonly Role[] = ['analyst', 'dispatcher']

const format = z
  .enum(['json', 'csv'])
  .optional()
  .meta({ description: 'csv: the same as "Accept: text/csv"' })
const rangeQuery = serviceRangeSchema.extend({ format }).strict()
const dayQuery = serviceDayRequestSchema.extend({ format }).strict()

const RULES = `Service hours ${SERVICE_HOURS.start}-${SERVICE_HOURS.end} on the system's clock. A polled state holds until the next poll; polls further apart than twice their median spacing are not bridged (unknown). Empty: installed and renting with no bike; full: installed and returning with no dock. A cluster (a station and every station within 1/3 mile, or its ${CLUSTER_NEAREST} nearest when fewer are that close) is out while none of its stations has a usable bike or none an operable dock; each outage's minutes beyond ${OUTAGE_GRACE_MINUTES} in a row count, at $1 each. Days are local dates, [from, to).`

/** GET /service/* and POST /service/refresh: service levels, as JSON or CSV. */
export function serviceLevelsRoutes(levels: ServiceLevelsService): ApiRouter {
  const api = new ApiRouter()

  api.channelEndpoint(
    'service:summary',
    levels,
    {
      method: 'get',
      path: '/service/days',
      tag: 'service levels',
      summary:
        'The system’s service levels per day: minutes empty, full and unknown, cluster outages',
      description: RULES,
      access: READERS,
      query: rangeQuery,
      response: serviceSummarySchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (summary, { query: { format: wanted, ...range }, req, res }) => {
      const answer = await summary(range)
      if (!wantsCsv(req, wanted)) return answer
      sendCsv(res, serviceCsvName('days', answer.system_id, range), daysCsv(answer.days))
      return undefined
    },
  )

  api.channelEndpoint(
    'service:stations',
    levels,
    {
      method: 'get',
      path: '/service/stations',
      tag: 'service levels',
      summary:
        'Every station’s service levels over a range of days, most minutes empty or full first',
      description: RULES,
      access: READERS,
      query: rangeQuery,
      response: serviceStationsSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (stations, { query: { format: wanted, ...range }, req, res }) => {
      const answer = await stations(range)
      if (!wantsCsv(req, wanted)) return answer
      sendCsv(
        res,
        serviceCsvName('stations', answer.system_id, range),
        stationsCsv(answer.system_id, answer.stations),
      )
      return undefined
    },
  )

  api.channelEndpoint(
    'service:clusters',
    levels,
    {
      method: 'get',
      path: '/service/clusters',
      tag: 'service levels',
      summary: 'Every cluster’s outages over a range of days, most outage minutes first',
      description: RULES,
      access: READERS,
      query: rangeQuery,
      response: serviceClustersSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (clusters, { query: { format: wanted, ...range }, req, res }) => {
      const answer = await clusters(range)
      if (!wantsCsv(req, wanted)) return answer
      sendCsv(
        res,
        serviceCsvName('clusters', answer.system_id, range),
        clustersCsv(answer.system_id, answer.clusters),
      )
      return undefined
    },
  )

  api.channelEndpoint(
    'service:crews',
    levels,
    {
      method: 'get',
      path: '/service/crews',
      tag: 'service levels',
      summary: 'Tasks per day and hour, how long each step took, and each crew’s work',
      description:
        'Days and hours on the system’s clock. Durations: suggestion to approval (the task’s creation), approval to the first claim, claim to completion. Hours on shift: time holding a task or sending heartbeats at most 15 minutes apart. CSV: the crews.',
      access: READERS,
      query: rangeQuery,
      response: serviceCrewsSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (crews, { query: { format: wanted, ...range }, req, res }) => {
      const answer = await crews(range)
      if (!wantsCsv(req, wanted)) return answer
      sendCsv(res, serviceCsvName('crews', answer.system_id, range), crewsCsv(answer.crews))
      return undefined
    },
  )

  api.channelEndpoint(
    'service:taskEffects',
    levels,
    {
      method: 'get',
      path: '/service/tasks',
      tag: 'service levels',
      summary:
        'Each completed task’s stations: minutes empty and full in the hours before and after',
      description:
        'For every task completed in the range: the source station (bikes taken) and the sink (bikes brought), minutes empty, full and unknown in the 2 hours before completion and the 2 hours after (less for a task completed under 2 hours ago).',
      access: READERS,
      query: rangeQuery,
      response: serviceTaskEffectsSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (taskEffects, { query: { format: wanted, ...range }, req, res }) => {
      const answer = await taskEffects(range)
      if (!wantsCsv(req, wanted)) return answer
      sendCsv(res, serviceCsvName('effects', answer.system_id, range), effectsCsv(answer.tasks))
      return undefined
    },
  )

  api.channelEndpoint(
    'service:report',
    levels,
    {
      method: 'get',
      path: '/service/report',
      tag: 'service levels',
      summary: 'One day’s report: every station, the clusters out, the crews',
      description: `What \`balancer report --day D --json\` prints. ${RULES} CSV: the stations.`,
      access: READERS,
      query: dayQuery,
      response: serviceReportSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (report, { query: { format: wanted, ...request }, req, res }) => {
      const answer = await report(request)
      if (!wantsCsv(req, wanted)) return answer
      sendCsv(
        res,
        serviceCsvName('report', answer.system_id, {
          from: answer.day,
          to: shiftDay(answer.day, 1),
        }),
        reportCsv(answer.system_id, answer.stations),
      )
      return undefined
    },
  )

  api.channelEndpoint(
    'service:refresh',
    levels,
    {
      method: 'post',
      path: '/service/refresh',
      tag: 'service levels',
      summary: 'Bring the daily summaries up to date now (all days of a range with rebuild)',
      description:
        'The polling console does this after its polls; an import of a recorded history does it for the days it covers.',
      access: ['dispatcher'],
      body: serviceRefreshRequestSchema,
      response: serviceRefreshReportSchema,
      errors: [404],
    },
    (refresh, { body }) => refresh(body),
  )

  return api
}
