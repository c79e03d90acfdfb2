import type { Handlers } from './ipc.js'
import type { ServerSupervisor } from './server-supervisor.js'

/** Every channel of the contract, each a call into the server: no logic lives here. */
export function createHandlers(server: Pick<ServerSupervisor, 'status' | 'services'>): Handlers {
  return {
    'app:status': () => server.status(),
    'feeds:health': async () => (await server.services()).feeds.health(),
    'feeds:stations': async (query) => (await server.services()).feeds.stations(query),
  } satisfies Handlers
}
