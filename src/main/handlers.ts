import type { ConsoleEvents, EventName } from '../shared/contract.js'
import { CONSOLE_ACTOR, sessionOf } from '../server/auth/actor.js'
import type { Handlers } from './ipc.js'
import type { ServerSupervisor } from './server-supervisor.js'

/** Pushes an event to the console's windows (main broadcasts it; tests collect it). */
export type EmitEvent = <E extends EventName>(event: E, payload: ConsoleEvents[E]) => void

/**
 * Every channel of the contract, each a call into the server's services, as the dispatcher at this
 * desk (the console window is the depot's own): no logic lives here.
 */
export function createHandlers(
  server: Pick<ServerSupervisor, 'status' | 'services'>,
  emit: EmitEvent = () => undefined,
): Handlers {
  const services = () => server.services()
  return {
    'app:status': () => server.status(),
    'session:me': () => Promise.resolve(sessionOf(CONSOLE_ACTOR)),
    'suggestions:list': async (filter) => (await services()).dispatch.listSuggestions(filter),
    'suggestions:reject': async ({ suggestion_id, ...input }) =>
      (await services()).dispatch.rejectSuggestion(suggestion_id, input, CONSOLE_ACTOR),
    'suggestions:run': async (request) =>
      (await services()).engine.run(request, { trigger: 'ipc', actor: CONSOLE_ACTOR }),
    'tasks:approve': async (input) => (await services()).dispatch.approve(input, CONSOLE_ACTOR),
    'tasks:approveBatch': async (input) =>
      (await services()).dispatch.approveBatch(input, CONSOLE_ACTOR),
    'tasks:list': async (filter) => (await services()).dispatch.listTasks(filter, CONSOLE_ACTOR),
    'tasks:cancel': async ({ task_id, ...input }) =>
      (await services()).dispatch.cancel(task_id, input, CONSOLE_ACTOR),
    'tasks:summary': async () => (await services()).dispatch.summary(),
    'crews:list': async () => (await services()).crews.list(),
    'tokens:list': async ({ include_revoked }) =>
      (await services()).auth.listTokens({ includeRevoked: include_revoked }),
    'tokens:create': async ({ name, role, crew_id, van_capacity }) =>
      (await services()).auth.createToken(
        { name, role, crewId: crew_id, vanCapacity: van_capacity },
        CONSOLE_ACTOR,
      ),
    'tokens:revoke': async ({ token_id }) =>
      (await services()).auth.revokeToken(token_id, CONSOLE_ACTOR),
    'feeds:health': async () => (await services()).feeds.health(),
    'feeds:stations': async (query) => (await services()).feeds.stations(query),
    'flows:station': async (request) => (await services()).flows.stationFlows(request),
    'flows:system': async (request) => (await services()).flows.systemFlows(request),
    'flows:profile': async (request) => (await services()).flows.stationProfile(request),
    'trips:import': async (request) =>
      (await services()).trips.importFiles(request, (progress) =>
        emit('trips:import-progress', progress),
      ),
  } satisfies Handlers
}
