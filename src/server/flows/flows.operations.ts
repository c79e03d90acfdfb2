import type { FLOWS } from '../../shared/operations/flows.js'
import { flowSeriesCsv, profileCsv } from '../../shared/station-csv.js'
import { csvOf, jsonOrCsv } from '../http/csv.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/flows.ts, done: JSON, or CSV when an HTTP caller asks for it. */
export const FLOW_OPERATIONS: Implementations<(typeof FLOWS)[number]['name']> = {
  'flows:station': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.flows.stationFlows(request), csvOf(flowSeriesCsv)),
  },
  'flows:system': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.flows.systemFlows(request), csvOf(flowSeriesCsv)),
  },
  'flows:profile': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.flows.stationProfile(request), csvOf(profileCsv)),
  },
}
