import type { Channel } from './contract.js'

/** An HTTP route, as the server's ApiRouter declares it (OpenAPI path style). */
export interface ChannelRoute {
  method: 'get' | 'post'
  path: string
}

/** A channel a browser cannot use, and why, in words the console shows. */
export interface DesktopOnly {
  desktopOnly: string
}

/**
 * The HTTP route that serves each channel for the console in a browser. The renderer's HTTP client
 * builds its requests from this table and the server declares each route with
 * `ApiRouter.channelEndpoint(channel, ...)`, whose spec must carry this very method and path: a
 * route moved on one side and not the other does not compile (test/contract/channel-wiring.test-d.ts).
 */
export const CHANNEL_ROUTES = {
  'app:status': { method: 'get', path: '/health' },
  'session:me': { method: 'get', path: '/me' },
  'feeds:health': { method: 'get', path: '/feeds' },
  'feeds:stations': { method: 'get', path: '/feeds/stations' },
  'suggestions:list': { method: 'get', path: '/suggestions' },
  'suggestions:reject': { method: 'post', path: '/suggestions/{suggestion_id}/reject' },
  'suggestions:run': { method: 'post', path: '/suggestions/run' },
  'tasks:approve': { method: 'post', path: '/task/approve' },
  'tasks:approveBatch': { method: 'post', path: '/task/approve-batch' },
  'tasks:list': { method: 'get', path: '/tasks' },
  'tasks:cancel': { method: 'post', path: '/task/{task_id}/cancel' },
  'tasks:summary': { method: 'get', path: '/tasks/summary' },
  'crews:list': { method: 'get', path: '/crews' },
  'tokens:list': { method: 'get', path: '/tokens' },
  'tokens:create': { method: 'post', path: '/tokens' },
  'tokens:revoke': { method: 'post', path: '/tokens/{token_id}/revoke' },
  'flows:station': { method: 'get', path: '/stations/{station_id}/flows' },
  'flows:system': { method: 'get', path: '/flows' },
  'flows:profile': { method: 'get', path: '/stations/{station_id}/profile' },
  'stations:history': { method: 'get', path: '/stations/{station_id}/history' },
  'stations:nearby': { method: 'get', path: '/stations/{station_id}/nearby' },
  'service:summary': { method: 'get', path: '/service/days' },
  'service:stations': { method: 'get', path: '/service/stations' },
  'service:clusters': { method: 'get', path: '/service/clusters' },
  'service:crews': { method: 'get', path: '/service/crews' },
  'service:taskEffects': { method: 'get', path: '/service/tasks' },
  'service:report': { method: 'get', path: '/service/report' },
  'service:refresh': { method: 'post', path: '/service/refresh' },
  // Trip files named by path are read from the disk of the machine running the server: a browser
  // elsewhere on the LAN has no business naming paths there. It uploads the file instead.
  'trips:import': {
    desktopOnly:
      'importing trip files from disk needs the desktop app (in a browser, choose a file to upload it; on the server, `balancer import-trips`)',
  },
  'trips:chooseFiles': {
    desktopOnly: 'the file dialog is the desktop app’s: in a browser, choose a file to upload it',
  },
  'trips:upload': { method: 'post', path: '/trips/imports' },
  'settings:get': { method: 'get', path: '/settings' },
  'settings:testDatabase': {
    desktopOnly:
      'the database is changed in the desktop app on the server (or in its settings.json): a browser on the LAN never changes the server’s settings',
  },
  'settings:save': {
    desktopOnly:
      'settings are saved in the desktop app on the server (or in its settings.json): a browser on the LAN never changes the server’s settings',
  },
} as const satisfies { [C in Channel]: ChannelRoute | DesktopOnly }

export type ChannelRoutes = typeof CHANNEL_ROUTES

/** Channels a browser reaches over HTTP. */
export type RoutedChannel = {
  [C in Channel]: ChannelRoutes[C] extends ChannelRoute ? C : never
}[Channel]

/** `{task_id}` in a route's path, as a union of names. */
export type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParams<Rest>
  : never

export type RouteParams<C extends RoutedChannel> = {
  [K in PathParams<ChannelRoutes[C]['path']>]: string | number
}

export function isRouted(channel: Channel): channel is RoutedChannel {
  return 'path' in CHANNEL_ROUTES[channel]
}

/** The channel's path with its parameters filled in (each one URL-encoded). */
export function routePath<C extends RoutedChannel>(channel: C, params: RouteParams<C>): string {
  const route: ChannelRoute = CHANNEL_ROUTES[channel]
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (params as Record<string, string | number | undefined>)[name]
    if (value === undefined) throw new Error(`${channel}: ${name} is required`)
    return encodeURIComponent(String(value))
  })
}
