import type { ConsoleEvents, EventName } from '../shared/contract.js'
import type { ChosenFiles } from '../shared/trips.js'
import { CONSOLE_ACTOR, sessionOf } from '../server/auth/actor.js'
import {
  ownerIn,
  serviceFor,
  type ChannelRequest,
  type ChannelResponse,
  type EdgeChannel,
  type ServedChannel,
  type ServiceFn,
} from '../server/channel-services.js'
import { ServiceError } from '../server/errors.js'
import type { Services } from '../server/services.js'
import type { Handlers } from './ipc.js'
import type { ServerSupervisor } from './server-supervisor.js'

/** Pushes an event to the console's windows (main broadcasts it; tests collect it). */
export type EmitEvent = <E extends EventName>(event: E, payload: ConsoleEvents[E]) => void

/** Turns one channel's IPC request into a call of the service function it is handed. */
export type Adapter<C extends ServedChannel> = (
  service: ServiceFn<C>,
  request: ChannelRequest<C>,
) => Promise<ChannelResponse<C>>

export type Adapters = { [C in ServedChannel]: Adapter<C> }
export type EdgeHandlers = { [C in EdgeChannel]: Handlers[C] }

/**
 * The handler of every served channel calls the function CHANNEL_SERVICES names for that channel
 * (looked up here by the channel's own name, never chosen by the adapter), the one the channel's
 * HTTP route is handed too; edge channels answer without a service.
 */
export function handlersFrom(
  services: () => Promise<Services>,
  adapters: Adapters,
  edges: EdgeHandlers,
): Handlers {
  const served = Object.fromEntries(
    (Object.keys(adapters) as ServedChannel[]).map((channel) => {
      const adapt = adapters[channel] as (service: unknown, request: unknown) => Promise<unknown>
      const handler = async (request: unknown) => {
        const all = await services()
        return adapt(serviceFor(channel, ownerIn(all, channel)), request)
      }
      return [channel, handler]
    }),
  )
  return { ...served, ...edges } as Handlers
}

/** What only the desktop has: windows and dialogs of main. */
export interface DesktopGlue {
  /** The native open dialog for trip files. */
  chooseTripFiles(): Promise<ChosenFiles>
}

const NO_DESKTOP: DesktopGlue = {
  chooseTripFiles: () => Promise.reject(new Error('no file dialog here')),
}

/**
 * Every channel of the contract, each a call into the server's services, as the dispatcher at this
 * desk (the console window is the depot's own): no logic lives here.
 */
export function createHandlers(
  server: Pick<ServerSupervisor, 'status' | 'services'>,
  emit: EmitEvent = () => undefined,
  desktop: DesktopGlue = NO_DESKTOP,
): Handlers {
  return handlersFrom(
    () => server.services(),
    {
      'suggestions:list': (list, filter) => list(filter),
      'suggestions:reject': (reject, { suggestion_id, ...input }) =>
        reject(suggestion_id, input, CONSOLE_ACTOR),
      'suggestions:run': (run, request) => run(request, { trigger: 'ipc', actor: CONSOLE_ACTOR }),
      'tasks:approve': (approve, input) => approve(input, CONSOLE_ACTOR),
      'tasks:approveBatch': (approveBatch, input) => approveBatch(input, CONSOLE_ACTOR),
      'tasks:list': (list, filter) => list(filter, CONSOLE_ACTOR),
      'tasks:cancel': (cancel, { task_id, ...input }) => cancel(task_id, input, CONSOLE_ACTOR),
      'tasks:summary': (summary) => summary(),
      'crews:list': (list) => list(),
      'tokens:list': (list, { include_revoked }) => list({ includeRevoked: include_revoked }),
      'tokens:create': (create, { name, role, crew_id, van_capacity }) =>
        create({ name, role, crewId: crew_id, vanCapacity: van_capacity }, CONSOLE_ACTOR),
      'tokens:revoke': (revoke, { token_id }) => revoke(token_id, CONSOLE_ACTOR),
      'feeds:health': (health) => health(),
      'feeds:stations': (stations, query) => stations(query),
      'flows:station': (flows, request) => flows(request),
      'flows:system': (flows, request) => flows(request),
      'flows:profile': (profile, request) => profile(request),
      'stations:history': (history, request) => history(request),
      'stations:nearby': (nearby, request) => nearby(request),
      'service:summary': (summary, range) => summary(range),
      'service:stations': (stations, range) => stations(range),
      'service:clusters': (clusters, range) => clusters(range),
      'service:crews': (crews, range) => crews(range),
      'service:taskEffects': (taskEffects, range) => taskEffects(range),
      'service:report': (report, request) => report(request),
      'service:refresh': (refresh, request) => refresh(request),
      'trips:import': (importFiles, request) =>
        importFiles(request, (progress) => emit('trips:import-progress', progress)),
      // The desktop reads trip files where they are: copying them through the page gains nothing.
      'trips:upload': () =>
        Promise.reject(
          new ServiceError(
            'invalid',
            'desktop_reads_disk',
            'the desktop app imports trip files from disk: choose them with "Choose files…"',
          ),
        ),
      'settings:get': (get) => get(),
      'settings:testDatabase': (test, request) => test(request),
      'settings:save': (save, input) => save(input),
    },
    {
      'app:status': () => server.status(),
      'session:me': () => Promise.resolve(sessionOf(CONSOLE_ACTOR)),
      'trips:chooseFiles': () => desktop.chooseTripFiles(),
    },
  )
}
