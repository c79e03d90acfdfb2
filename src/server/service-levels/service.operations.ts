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
import { jsonOrCsv, sendCsv } from '../http/csv.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/service.ts, done: JSON, or CSV when an HTTP caller asks for it. */
export const SERVICE_OPERATIONS: Implementations<(typeof SERVICE)[number]['name']> = {
  'service:summary': {
    run: async (range, context) =>
      jsonOrCsv(context, await context.services.serviceLevels.summary(range), (res, answer) =>
        sendCsv(res, serviceCsvName('days', answer.system_id, range), daysCsv(answer.days)),
      ),
  },
  'service:stations': {
    run: async (range, context) =>
      jsonOrCsv(context, await context.services.serviceLevels.stations(range), (res, answer) =>
        sendCsv(
          res,
          serviceCsvName('stations', answer.system_id, range),
          stationsCsv(answer.system_id, answer.stations),
        ),
      ),
  },
  'service:clusters': {
    run: async (range, context) =>
      jsonOrCsv(context, await context.services.serviceLevels.clusters(range), (res, answer) =>
        sendCsv(
          res,
          serviceCsvName('clusters', answer.system_id, range),
          clustersCsv(answer.system_id, answer.clusters),
        ),
      ),
  },
  'service:crews': {
    run: async (range, context) =>
      jsonOrCsv(context, await context.services.serviceLevels.crews(range), (res, answer) =>
        sendCsv(res, serviceCsvName('crews', answer.system_id, range), crewsCsv(answer.crews)),
      ),
  },
  'service:taskEffects': {
    run: async (range, context) =>
      jsonOrCsv(context, await context.services.serviceLevels.taskEffects(range), (res, answer) =>
        sendCsv(res, serviceCsvName('effects', answer.system_id, range), effectsCsv(answer.tasks)),
      ),
  },
  'service:report': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.serviceLevels.report(request), (res, answer) =>
        sendCsv(
          res,
          serviceCsvName('report', answer.system_id, {
            from: answer.day,
            to: shiftDay(answer.day, 1),
          }),
          reportCsv(answer.system_id, answer.stations),
        ),
      ),
  },
  'service:refresh': {
    run: (request, { services }) => services.serviceLevels.refresh(request),
  },
}
