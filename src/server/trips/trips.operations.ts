import type { TRIPS } from '../../shared/operations/trips.js'
import { ServiceError } from '../errors.js'
import type { Implementations } from '../operations/context.js'
import { receiveUpload } from './upload.js'

type Served = Exclude<(typeof TRIPS)[number]['name'], 'trips:chooseFiles'>

/** src/shared/operations/trips.ts, done (the file dialog is main's: src/main/handlers.ts). */
export const TRIP_OPERATIONS: Implementations<Served> = {
  'trips:import': {
    run: (request, { services, emit }) =>
      services.trips.importFiles(request, (progress) => emit('trips:import-progress', progress)),
  },
  'trips:upload': {
    // The desktop reads trip files where they are: copying them through the page gains nothing.
    run: () =>
      Promise.reject(
        new ServiceError(
          'invalid',
          'desktop_reads_disk',
          'the desktop app imports trip files from disk: choose them with "Choose files…"',
        ),
      ),
    http: ({ services, http }) => receiveUpload(services.trips, http),
  },
  'trips:quarantined': {
    run: ({ system }, { services }) => services.trips.quarantined(system),
  },
  'trips:accept': {
    run: ({ import_id }, { services, actor }) =>
      services.trips.decide(import_id, 'accepted', actor),
  },
  'trips:discard': {
    run: ({ import_id }, { services, actor }) =>
      services.trips.decide(import_id, 'discarded', actor),
  },
}
