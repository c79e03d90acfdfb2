/**
 * Compile-time proof, checked by `npm run typecheck:contract` (tsc; nothing here runs), that every
 * console channel reaches the same service function over IPC and over HTTP.
 *
 * How it holds: CHANNEL_SERVICES (src/server/channel-services.ts) names one service function per
 * channel. main's handlers are built by `handlersFrom`, and the HTTP routes that serve channels by
 * `ApiRouter.channelEndpoint`; both look the function up in that table by the channel's name and
 * hand it to an adapter typed with `ServiceFn<C>`, the function's type branded with its channel.
 * So: a table missing a channel, an adapter calling another channel's function, a route for one
 * channel at another channel's path, or the client and server disagreeing on a route, each fail to
 * compile. The @ts-expect-error lines below are those mistakes; if any of them compiled, tsc would
 * fail on the unused directive.
 */
import { expectTypeOf } from 'vitest'
import {
  CHANNEL_ROUTES,
  type ChannelRoute,
  type RoutedChannel,
} from '../../src/shared/channel-routes.js'
import type { Channel } from '../../src/shared/contract.js'
import {
  CHANNEL_SERVICES,
  serviceFor,
  type EdgeChannel,
  type ServedChannel,
  type ServiceFn,
} from '../../src/server/channel-services.js'
import type { DispatchService } from '../../src/server/dispatch/dispatch.service.js'
import type { TripsService } from '../../src/server/trips/trips.service.js'
import type { SettingsService } from '../../src/server/settings/settings.service.js'
import { ApiRouter, type RoutedServedChannel } from '../../src/server/http/api-router.js'
import { handlersFrom, type Adapters, type EdgeHandlers } from '../../src/main/handlers.js'
import type { Handlers } from '../../src/main/ipc.js'
import type { Services } from '../../src/server/services.js'
import { CONSOLE_ACTOR } from '../../src/server/auth/actor.js'

declare const services: Services
declare const dispatch: DispatchService
declare const approveMethod: DispatchService['approve']

// 1. Both tables cover every channel of the contract, and nothing else.
expectTypeOf<keyof typeof CHANNEL_SERVICES>().toEqualTypeOf<Channel>()
expectTypeOf<keyof typeof CHANNEL_ROUTES>().toEqualTypeOf<Channel>()
expectTypeOf<ServedChannel | EdgeChannel>().toEqualTypeOf<Channel>()
// Only three channels are answered without a service, each for a reason the table gives.
expectTypeOf<EdgeChannel>().toEqualTypeOf<'app:status' | 'session:me' | 'trips:chooseFiles'>()

// 2. A channel's function is the service method the table names, branded with the channel.
expectTypeOf<ServiceFn<'tasks:approve'>>().toExtend<DispatchService['approve']>()
expectTypeOf<ServiceFn<'trips:upload'>>().toExtend<TripsService['importFiles']>()
expectTypeOf<ServiceFn<'trips:import'>>().toExtend<TripsService['importFiles']>()
expectTypeOf<ServiceFn<'settings:get'>>().toExtend<SettingsService['get']>()
// Two channels' functions are never interchangeable, even where their signatures agree.
expectTypeOf<ServiceFn<'tasks:approve'>>().not.toExtend<ServiceFn<'tasks:approveBatch'>>()
expectTypeOf<ServiceFn<'crews:list'>>().not.toExtend<ServiceFn<'tasks:summary'>>()
// @ts-expect-error the raw method is not a channel's function: only serviceFor makes one
const raw: ServiceFn<'tasks:approve'> = approveMethod
// @ts-expect-error serviceFor takes the owner the table names (dispatch), not another service
serviceFor('tasks:approve', services.crews)

// 3. main's handlers: one adapter per served channel, each handed that channel's function.
expectTypeOf(handlersFrom).returns.toEqualTypeOf<Handlers>()
expectTypeOf<keyof Adapters>().toEqualTypeOf<ServedChannel>()
expectTypeOf<keyof EdgeHandlers>().toEqualTypeOf<EdgeChannel>()
declare const adapters: Adapters
declare const edges: EdgeHandlers
const wrongFunction: Adapters = {
  ...adapters,
  // @ts-expect-error the approve handler cannot call the cancel function: it is handed approve's
  'tasks:approve': (approve: ServiceFn<'tasks:cancel'>, input) => approve(1, input, CONSOLE_ACTOR),
}
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- dropped on purpose
const { 'tasks:cancel': dropped, ...missing } = adapters
// @ts-expect-error every served channel needs its adapter
handlersFrom(() => Promise.resolve(services), missing, edges)

// 4. HTTP: a channel's route must be at the method and path the renderer's client requests.
expectTypeOf<RoutedServedChannel>().toEqualTypeOf<Exclude<RoutedChannel, EdgeChannel>>()
expectTypeOf(CHANNEL_ROUTES['tasks:approve']).toExtend<ChannelRoute>()
const api = new ApiRouter()
api.channelEndpoint(
  'tasks:approve',
  dispatch,
  {
    method: 'post',
    path: '/task/approve',
    tag: 'tasks',
    summary: 'ok',
    access: ['dispatcher'],
    response: null,
  },
  (approve, { actor }) => approve({ suggestion_id: 1 }, actor),
)
api.channelEndpoint(
  'tasks:approve',
  dispatch,
  {
    method: 'post',
    // @ts-expect-error the route of tasks:approve is /task/approve, where the client sends it
    path: '/task/{task_id}/cancel',
    tag: 'tasks',
    summary: 'moved on one side only',
    access: ['dispatcher'],
    response: null,
  },
  (approve, { actor }) => approve({ suggestion_id: 1 }, actor),
)
api.channelEndpoint(
  'tasks:cancel',
  dispatch,
  {
    method: 'post',
    path: '/task/{task_id}/cancel',
    tag: 'tasks',
    summary: 'calls the wrong function',
    access: ['dispatcher'],
    response: null,
  },
  // @ts-expect-error the cancel route is handed cancel, and cannot treat it as approve
  (approve: ServiceFn<'tasks:approve'>, { actor }) => approve({ suggestion_id: 1 }, actor),
)
api.channelEndpoint(
  // @ts-expect-error a desktop-only channel has no HTTP route to declare
  'settings:save',
  services.settings,
  {
    method: 'post',
    path: '/settings',
    tag: 'system',
    summary: 'no',
    access: ['dispatcher'],
    response: null,
  },
  (save) => save,
)

export { raw, wrongFunction }
