import { CHANNELS } from '../shared/contract.js'
import type { ChosenFiles } from '../shared/trips.js'
import { CONSOLE_ACTOR, sessionOf } from '../server/auth/actor.js'
import type { EmitEvent, OperationContext } from '../server/operations/context.js'
import { implementationOf, type MainOperation } from '../server/operations/index.js'
import type { Handlers } from './ipc.js'
import type { ServerSupervisor } from './server-supervisor.js'

export type { EmitEvent } from '../server/operations/context.js'

/** What only the desktop has: windows and dialogs of main. */
export interface DesktopGlue {
  /** The native open dialog for trip files. */
  chooseTripFiles(): Promise<ChosenFiles>
}

const NO_DESKTOP: DesktopGlue = {
  chooseTripFiles: () => Promise.reject(new Error('no file dialog here')),
}

/**
 * Every operation the desktop's IPC carries: each one's implementation (the one its HTTP route
 * calls too), as the dispatcher at this desk (the console window is the depot's own). Main
 * answers three itself: the app's status (from its supervisor, also while the server is down),
 * who the window is, and the native file dialog. No logic lives here.
 */
export function createHandlers(
  server: Pick<ServerSupervisor, 'status' | 'services'>,
  emit: EmitEvent = () => undefined,
  desktop: DesktopGlue = NO_DESKTOP,
): Handlers {
  const ownAnswers: { [N in MainOperation | 'session:me']: Handlers[N] } = {
    'app:status': () => server.status(),
    // Who asks needs no server: the window is the depot's dispatcher, also while it starts.
    'session:me': () => Promise.resolve(sessionOf(CONSOLE_ACTOR)),
    'trips:chooseFiles': () => desktop.chooseTripFiles(),
  }
  const served = CHANNELS.flatMap((channel) => {
    const implementation = implementationOf(channel)
    if (!implementation || Object.hasOwn(ownAnswers, channel)) return []
    const handler = async (request: unknown) => {
      const context: OperationContext = {
        actor: CONSOLE_ACTOR,
        services: await server.services(),
        edge: 'ipc',
        emit,
        once: (work) => work(),
      }
      return implementation.run(request as never, context)
    }
    return [[channel, handler] as const]
  })
  return { ...Object.fromEntries(served), ...ownAnswers } as Handlers
}
