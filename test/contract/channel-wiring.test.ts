import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANNEL_ROUTES, isRouted } from '../../src/shared/channel-routes.js'
import { CHANNELS, type Channel, type ConsoleBridge } from '../../src/shared/contract.js'
import { CHANNEL_SERVICES } from '../../src/server/channel-services.js'
import { ServiceError } from '../../src/server/errors.js'
import { apiRouters, createApp } from '../../src/server/http/app.js'
import { silentLogger } from '../../src/server/logger.js'
import type { Services } from '../../src/server/services.js'
import { createHandlers } from '../../src/main/handlers.js'
import { registerHandlers, type IpcMainLike } from '../../src/main/ipc.js'
import { createBridge } from '../../src/preload/bridge.js'
import { createHttpClient } from '../../src/renderer/src/api/client.js'
import { appStatus } from '../helpers/app-status.js'
import { SAMPLE_REQUESTS } from '../helpers/sample-requests.js'

/**
 * Services whose every method fails with its own name ("dispatch.approve"): whichever function a
 * channel reaches says which it was, over IPC and over HTTP alike.
 */
function probeServices(): Services {
  const service = (name: string) =>
    new Proxy(
      {},
      {
        get: (_target, method) =>
          // Every request is a dispatcher's, so the routes' access checks let it through.
          name === 'auth' && method === 'authenticate'
            ? () => Promise.resolve({ name: 'desk', role: 'dispatcher', crewId: null, tokenId: 1 })
            : () =>
                Promise.reject(new ServiceError('not_found', 'probe', `${name}.${String(method)}`)),
      },
    )
  // Every service some channel names, plus those the routers need to authenticate and report.
  const named = Object.values(CHANNEL_SERVICES).flatMap((ref) => ('edge' in ref ? [] : [ref[0]]))
  const names = new Set<string>(['status', 'auth', ...named])
  return Object.fromEntries([...names].map((name) => [name, service(name)])) as unknown as Services
}

function ipcBridge(services: Services): ConsoleBridge {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  }
  registerHandlers(
    ipcMain,
    createHandlers({
      status: () => Promise.resolve(appStatus()),
      services: () => Promise.resolve(services),
    }),
  )
  return createBridge({
    invoke: (channel, ...args) => Promise.resolve(handlers.get(channel)?.({}, ...args)),
    on: () => undefined,
    removeListener: () => undefined,
  })
}

async function reached(bridge: ConsoleBridge, channel: Channel): Promise<string> {
  const request = SAMPLE_REQUESTS[channel]
  const invoke = bridge.invoke.bind(bridge) as (c: Channel, ...a: unknown[]) => Promise<unknown>
  const error = await (request === undefined ? invoke(channel) : invoke(channel, request)).then(
    () => new Error('answered'),
    (failure: unknown) => failure as Error,
  )
  return error.message
}

let server: Server
let http: ConsoleBridge
let ipc: ConsoleBridge

beforeAll(async () => {
  const services = probeServices()
  server = createServer(createApp({ services, logger: silentLogger(), rateLimits: false }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  http = createHttpClient(url, { token: () => 'bwb_probe' })
  ipc = ipcBridge(services)
})

afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('each channel reaches one service function, from the desktop and from a browser', () => {
  it('declares exactly one HTTP route per routed channel, where CHANNEL_ROUTES says', () => {
    const endpoints = apiRouters({ services: probeServices(), events: null }).flatMap(
      (api) => api.endpoints,
    )
    for (const channel of CHANNELS) {
      const serving = endpoints.filter((endpoint) => endpoint.channel === channel)
      const route = CHANNEL_ROUTES[channel]
      if ('desktopOnly' in route) {
        expect(serving, channel).toEqual([])
      } else {
        expect(
          serving.map((endpoint) => [endpoint.method, endpoint.path]),
          channel,
        ).toEqual([[route.method, route.path]])
      }
    }
  })

  it.each(CHANNELS.filter((channel) => Array.isArray(CHANNEL_SERVICES[channel])))(
    '%s calls the service function CHANNEL_SERVICES names',
    async (channel) => {
      const [service, method] = CHANNEL_SERVICES[channel] as readonly [string, string]
      const expected = `${service}.${method}`
      // trips:upload is a browser's (the desktop reads files from disk); the rest work on both.
      if (channel !== 'trips:upload') expect(await reached(ipc, channel)).toBe(expected)
      if (isRouted(channel)) expect(await reached(http, channel)).toBe(expected)
      else expect(await reached(http, channel)).toBe(CHANNEL_ROUTES[channel].desktopOnly)
    },
  )
})
