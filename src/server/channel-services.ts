import type { Channel, ConsoleApi } from '../shared/contract.js'
import type { Services } from './services.js'

/**
 * Which service function serves each console channel: the one table both edges are built from.
 *
 * - main's IPC handlers (src/main/handlers.ts) are made by `handlersFrom`, which looks the
 *   function up here by the channel's own name and hands it to the channel's adapter;
 * - the HTTP routes that serve channels are declared with `ApiRouter.channelEndpoint(channel,
 *   owner, spec, adapter)`, which looks the function up here the same way.
 *
 * An adapter only translates (IPC request or HTTP path/query/body -> the function's arguments,
 * adding the actor); it never chooses the function. The function an adapter gets is typed
 * `ServiceFn<C>`: the service method's own type, branded with the channel. Only `serviceFor`
 * makes one, from this table, so handing the `tasks:cancel` function to the `tasks:approve` route
 * (or calling it with the other channel's request) does not compile; and since both edges get
 * theirs from here by the channel's name, the desktop and a browser call the same function.
 * test/contract/channel-wiring.test-d.ts holds the compile-time proof,
 * test/unit/channel-wiring.test.ts checks at run time that every routed channel is registered.
 *
 * `edge` channels have no service function, on purpose, and say why.
 */
export const CHANNEL_SERVICES = {
  'app:status': {
    edge: "the desktop asks main's server supervisor, which also answers while the server is down; a browser reads GET /health",
  },
  'session:me': {
    edge: 'who is asking: the desktop window is the depot’s own dispatcher, a browser is whoever its token names',
  },
  'feeds:health': ['feeds', 'health'],
  'feeds:stations': ['feeds', 'stations'],
  'suggestions:list': ['dispatch', 'listSuggestions'],
  'suggestions:reject': ['dispatch', 'rejectSuggestion'],
  'suggestions:run': ['engine', 'run'],
  'tasks:approve': ['dispatch', 'approve'],
  'tasks:approveBatch': ['dispatch', 'approveBatch'],
  'tasks:list': ['dispatch', 'listTasks'],
  'tasks:cancel': ['dispatch', 'cancel'],
  'tasks:summary': ['dispatch', 'summary'],
  'crews:list': ['crews', 'list'],
  'tokens:list': ['auth', 'listTokens'],
  'tokens:create': ['auth', 'createToken'],
  'tokens:revoke': ['auth', 'revokeToken'],
  'flows:station': ['flows', 'stationFlows'],
  'flows:system': ['flows', 'systemFlows'],
  'flows:profile': ['flows', 'stationProfile'],
  'stations:history': ['stations', 'history'],
  'stations:nearby': ['stations', 'nearby'],
  'service:summary': ['serviceLevels', 'summary'],
  'service:stations': ['serviceLevels', 'stations'],
  'service:clusters': ['serviceLevels', 'clusters'],
  'service:crews': ['serviceLevels', 'crews'],
  'service:taskEffects': ['serviceLevels', 'taskEffects'],
  'service:report': ['serviceLevels', 'report'],
  'service:refresh': ['serviceLevels', 'refresh'],
  'trips:import': ['trips', 'importFiles'],
  'trips:chooseFiles': {
    edge: "the desktop's native open dialog: a window of main, not a service",
  },
  'trips:upload': ['trips', 'importFiles'],
  'settings:get': ['settings', 'get'],
  'settings:testDatabase': ['settings', 'testDatabase'],
  'settings:save': ['settings', 'save'],
} as const satisfies { [C in Channel]: ServiceRef | { edge: string } }

type ServiceName = keyof Services

/** The methods of one service. */
type MethodOf<S extends ServiceName> = {
  [M in keyof Services[S]]: Services[S][M] extends (...args: never[]) => unknown ? M : never
}[keyof Services[S]] &
  string

type ServiceRef = { [S in ServiceName]: readonly [S, MethodOf<S>] }[ServiceName]

type Table = typeof CHANNEL_SERVICES

/** Channels served by a service function. */
export type ServedChannel = {
  [C in Channel]: Table[C] extends ServiceRef ? C : never
}[Channel]

/** Channels answered at the edge, without a service function. */
export type EdgeChannel = Exclude<Channel, ServedChannel>

/** The service a channel's function belongs to. */
export type OwnerOf<C extends ServedChannel> = Services[Table[C][0]]

type Unbranded<C extends ServedChannel> = Table[C] extends readonly [
  infer S extends ServiceName,
  infer M,
]
  ? M extends keyof Services[S]
    ? Services[S][M]
    : never
  : never

declare const channelBrand: unique symbol

/** The service function of channel C, branded with C: only `serviceFor` makes one. */
export type ServiceFn<C extends ServedChannel> = Unbranded<C> & { readonly [channelBrand]: C }

/** The function the table names for `channel`, bound to its service. */
export function serviceFor<C extends ServedChannel>(channel: C, owner: OwnerOf<C>): ServiceFn<C> {
  const [, method] = CHANNEL_SERVICES[channel] as readonly [ServiceName, string]
  const fn = (owner as unknown as Record<string, unknown>)[method]
  if (typeof fn !== 'function') throw new Error(`${channel}: the service has no ${method}`)
  return fn.bind(owner) as ServiceFn<C>
}

/** The service (of all of them) that owns `channel`'s function. */
export function ownerIn<C extends ServedChannel>(services: Services, channel: C): OwnerOf<C> {
  const [name] = CHANNEL_SERVICES[channel] as readonly [ServiceName, string]
  return services[name] as OwnerOf<C>
}

export type ChannelRequest<C extends Channel> = ConsoleApi[C]['request']
export type ChannelResponse<C extends Channel> = ConsoleApi[C]['response']
