import type { STATIONS } from '../../shared/operations/stations.js'
import { historyCsv } from '../../shared/station-csv.js'
import { csvOf, jsonOrCsv } from '../http/csv.js'
import { uncached, type Implementations } from '../operations/context.js'

/** src/shared/operations/stations.ts, done. Live numbers are never cached. */
export const STATION_OPERATIONS: Implementations<(typeof STATIONS)[number]['name']> = {
  'stations:history': {
    run: async (request, context) =>
      jsonOrCsv(
        context,
        await uncached(context, context.services.stations.history(request)),
        csvOf(historyCsv),
      ),
  },
  'stations:nearby': {
    run: (request, context) => uncached(context, context.services.stations.nearby(request)),
  },
}
