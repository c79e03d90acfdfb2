import type { STATIONS } from '../../shared/operations/stations.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/stations.ts, done. Live numbers are never cached. */
export const STATION_OPERATIONS: Implementations<(typeof STATIONS)[number]['name']> = {
  'stations:history': {
    run: (request, { services, http }) => {
      http?.res.setHeader('Cache-Control', 'no-store')
      return services.stations.history(request)
    },
  },
  'stations:nearby': {
    run: (request, { services, http }) => {
      http?.res.setHeader('Cache-Control', 'no-store')
      return services.stations.nearby(request)
    },
  },
}
