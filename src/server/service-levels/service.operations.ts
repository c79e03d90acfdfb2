import {
  clustersCsv,
  crewsCsv,
  daysCsv,
  effectsCsv,
  reportCsv,
  serviceCsvName,
  stationsCsv,
} from '../../shared/service-csv.js'
import type { SERVICE } from '../../shared/operations/service.js'
import { shiftDay } from '../../shared/service-levels.js'
import { csvAnswer, sendCsv } from '../http/csv.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/service.ts, done: JSON, or CSV when an HTTP caller asks for it. */
export const SERVICE_OPERATIONS: Implementations<(typeof SERVICE)[number]['name']> = {
  'service:summary': {
    run: async (range, context) => {
      const answer = await context.services.serviceLevels.summary(range)
      const csv = csvAnswer(context)
      if (!csv) return answer
      sendCsv(csv, serviceCsvName('days', answer.system_id, range), daysCsv(answer.days))
      return undefined
    },
  },
  'service:stations': {
    run: async (range, context) => {
      const answer = await context.services.serviceLevels.stations(range)
      const csv = csvAnswer(context)
      if (!csv) return answer
      sendCsv(
        csv,
        serviceCsvName('stations', answer.system_id, range),
        stationsCsv(answer.system_id, answer.stations),
      )
      return undefined
    },
  },
  'service:clusters': {
    run: async (range, context) => {
      const answer = await context.services.serviceLevels.clusters(range)
      const csv = csvAnswer(context)
      if (!csv) return answer
      sendCsv(
        csv,
        serviceCsvName('clusters', answer.system_id, range),
        clustersCsv(answer.system_id, answer.clusters),
      )
      return undefined
    },
  },
  'service:crews': {
    run: async (range, context) => {
      const answer = await context.services.serviceLevels.crews(range)
      const csv = csvAnswer(context)
      if (!csv) return answer
      sendCsv(csv, serviceCsvName('crews', answer.system_id, range), crewsCsv(answer.crews))
      return undefined
    },
  },
  'service:taskEffects': {
    run: async (range, context) => {
      const answer = await context.services.serviceLevels.taskEffects(range)
      const csv = csvAnswer(context)
      if (!csv) return answer
      sendCsv(csv, serviceCsvName('effects', answer.system_id, range), effectsCsv(answer.tasks))
      return undefined
    },
  },
  'service:report': {
    run: async (request, context) => {
      const answer = await context.services.serviceLevels.report(request)
      const csv = csvAnswer(context)
      if (!csv) return answer
      sendCsv(
        csv,
        serviceCsvName('report', answer.system_id, {
          from: answer.day,
          to: shiftDay(answer.day, 1),
        }),
        reportCsv(answer.system_id, answer.stations),
      )
      return undefined
    },
  },
  'service:refresh': {
    run: (request, { services }) => services.serviceLevels.refresh(request),
  },
}
