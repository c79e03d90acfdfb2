import type { OperationName } from '../../shared/operations/index.js'
import { TOKEN_OPERATIONS } from '../auth/tokens.operations.js'
import { CREW_WORK_OPERATIONS } from '../crew/crew.operations.js'
import { PROBLEM_OPERATIONS } from '../crew/problems.operations.js'
import { CREW_ACCESS_OPERATIONS } from '../crew-access/crew-access.operations.js'
import { CREW_OPERATIONS } from '../crews/crews.operations.js'
import { SUGGESTION_OPERATIONS } from '../dispatch/suggestions.operations.js'
import { ENGINE_MODEL_OPERATIONS } from '../engine/engine-model.operations.js'
import { TASK_OPERATIONS } from '../dispatch/tasks.operations.js'
import { FEED_OPERATIONS } from '../gbfs/feeds.operations.js'
import { FLOW_OPERATIONS } from '../flows/flows.operations.js'
import { SERVICE_OPERATIONS } from '../service-levels/service.operations.js'
import { SETTINGS_OPERATIONS } from '../settings/settings.operations.js'
import { STATION_OPERATIONS } from '../stations/stations.operations.js'
import { TRIP_OPERATIONS } from '../trips/trips.operations.js'
import { MAP_OPERATIONS } from '../tiles/tiles.operations.js'
import type { Implementation, Implementations } from './context.js'

/**
 * Answered by the desktop's main process itself, not by the server: the app's status (which
 * must answer while the server is down) and the native file dialog.
 */
export type MainOperation = 'app:status' | 'trips:chooseFiles'
export type ServerOperation = Exclude<OperationName, MainOperation>

/** Every operation's one implementation: the compiler refuses a declared one left out. */
export const IMPLEMENTATIONS: Implementations<ServerOperation> = {
  ...SUGGESTION_OPERATIONS,
  ...ENGINE_MODEL_OPERATIONS,
  ...TASK_OPERATIONS,
  ...CREW_OPERATIONS,
  ...TOKEN_OPERATIONS,
  ...FEED_OPERATIONS,
  ...FLOW_OPERATIONS,
  ...STATION_OPERATIONS,
  ...MAP_OPERATIONS,
  ...SERVICE_OPERATIONS,
  ...TRIP_OPERATIONS,
  ...SETTINGS_OPERATIONS,
  ...CREW_WORK_OPERATIONS,
  ...PROBLEM_OPERATIONS,
  ...CREW_ACCESS_OPERATIONS,
}

/** The implementation of `name`, when the server has one. */
export function implementationOf(name: string): Implementation<ServerOperation> | undefined {
  return Object.hasOwn(IMPLEMENTATIONS, name)
    ? (IMPLEMENTATIONS[name as ServerOperation] as Implementation<ServerOperation>)
    : undefined
}
