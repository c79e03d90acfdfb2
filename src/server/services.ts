import type { FlowsService } from './flows/flows.service.js'
import type { StatusService } from './status/status.service.js'
import type { TripsService } from './trips/trips.service.js'

/**
 * Every use case the console and the API offer. IPC handlers and HTTP routes both call these;
 * neither holds logic of its own.
 */
export interface Services {
  status: StatusService
  trips: TripsService
  flows: FlowsService
}
