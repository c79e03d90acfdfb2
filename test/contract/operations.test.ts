import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANNELS, type Channel, type ConsoleBridge } from '../../src/shared/contract.js'
import { ROLES } from '../../src/shared/dispatch.js'
import {
  isDesktopOnly,
  isHttp,
  OPERATIONS,
  splitInput,
  type OperationSpec,
} from '../../src/shared/operations/index.js'
import { CONSOLE_ACTOR } from '../../src/server/auth/actor.js'
import { ServiceError } from '../../src/server/errors.js'
import { apiRouters, createApp } from '../../src/server/http/app.js'
import { silentLogger } from '../../src/server/logger.js'
import type { Services } from '../../src/server/services.js'
import { createHandlers } from '../../src/main/handlers.js'
import { registerHandlers, type IpcMainLike } from '../../src/main/ipc.js'
import { createBridge } from '../../src/preload/bridge.js'
import { desktopClient } from '../../src/shared/desktop-client.js'
import { createHttpClient } from '../../src/renderer/src/api/client.js'
import { appStatus } from '../helpers/app-status.js'

const ALL = OPERATIONS as readonly OperationSpec[]
const desktop = ALL.filter((op) => op.desktop !== false)
const httpOnly = ALL.filter((op) => op.desktop === false)

/**
 * Services whose every method fails with its own name ("dispatch.approve"): whichever function an
 * operation reaches says which it was, over IPC and over HTTP alike. A token names its role
 * (`bwb_probe_crew`), so every route's role check lets its own callers through.
 */
function probeServices(): Services {
  const service = (name: string) =>
    new Proxy(
      {},
      {
        get: (_target, method) => () =>
          Promise.reject(new ServiceError('not_found', 'probe', `${name}.${String(method)}`)),
      },
    )
  return new Proxy({} as Services, {
    get: (_target, name: string) => {
      if (name === 'auth') {
        return {
          authenticate: (token: string) => {
            const role = ROLES.find((r) => token === `bwb_probe_${r}`)
            return Promise.resolve(
              role
                ? { name: 'probe', role, crewId: role === 'crew' ? 'van-1' : null, tokenId: 1 }
                : null,
            )
          },
          ...Object.fromEntries(
            ['createToken', 'listTokens', 'revokeToken'].map((method) => [
              method,
              () => Promise.reject(new ServiceError('not_found', 'probe', `auth.${method}`)),
            ]),
          ),
        }
      }
      // The crew's plain functions take their database first: any use of it fails with its name.
      if (name === 'crewWork') return { db: probeDb(), leaseMs: 60_000, now: () => new Date() }
      if (name === 'crewAccess') return { db: probeDb(), auth: service('auth'), access: () => null }
      // No Idempotency-Key is sent: the work runs as it would without one.
      if (name === 'idempotency')
        return { answer: (_request: unknown, work: () => unknown) => work() }
      return service(name)
    },
  })
}

/** A database whose every use (a query built, a transaction begun) fails with "db.<method>". */
function probeDb(): unknown {
  return new Proxy(
    {},
    {
      get: (_target, method) => () => {
        throw new ServiceError('not_found', 'probe', `db.${String(method)}`)
      },
    },
  )
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  }
  return { ipcMain, handlers }
}

function ipcBridge(services: Services) {
  const { ipcMain, handlers } = fakeIpcMain()
  registerHandlers(
    ipcMain,
    createHandlers({
      status: () => Promise.resolve(appStatus()),
      services: () => Promise.resolve(services),
    }),
  )
  const invoked: string[] = []
  const bridge = desktopClient(
    createBridge({
      invoke: (channel, ...args) => {
        invoked.push(channel)
        return Promise.resolve(handlers.get(channel)?.({}, ...args))
      },
      on: () => undefined,
      removeListener: () => undefined,
    }),
  )
  return { bridge, handlers, invoked }
}

async function reached(bridge: ConsoleBridge, op: OperationSpec): Promise<string> {
  const invoke = bridge.invoke.bind(bridge) as (c: Channel, ...a: unknown[]) => Promise<unknown>
  const call =
    op.example === undefined ? invoke(op.name as Channel) : invoke(op.name as Channel, op.example)
  return call.then(
    () => 'answered',
    (failure: unknown) => (failure as Error).message,
  )
}

/** Sends an HTTP-only operation's example as its declaration says, with a token of its role. */
async function reachedOverHttp(url: string, op: OperationSpec): Promise<unknown> {
  if (!isHttp(op.route)) throw new Error(`${op.name} has no route`)
  // A public operation (a phone's pairing) is sent without a token.
  const role = op.roles === 'public' ? null : (op.roles[0] ?? 'dispatcher')
  const route = op.route
  const parts = route.toHttp ? route.toHttp(op.example) : splitInput(route, op.example)
  const path = route.path.replace(/\{(\w+)\}/g, (_, key: string) =>
    String((parts.params as Record<string, unknown>)[key]),
  )
  const search = new URLSearchParams(
    Object.entries(parts.query ?? {}).map(([k, v]) => [k, String(v)]),
  ).toString()
  const response = await fetch(`${url}${path}${search ? `?${search}` : ''}`, {
    method: route.method.toUpperCase(),
    headers: {
      ...(role ? { authorization: `Bearer bwb_probe_${role}` } : {}),
      'content-type': 'application/json',
    },
    body: route.method === 'get' ? undefined : JSON.stringify(parts.body ?? {}),
  })
  return ((await response.json()) as { detail?: string }).detail
}

let server: Server
let url: string
let http: ConsoleBridge
let ipc: ReturnType<typeof ipcBridge>

beforeAll(async () => {
  const services = probeServices()
  server = createServer(createApp({ services, logger: silentLogger(), rateLimits: false }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  http = createHttpClient(url, { token: () => 'bwb_probe_dispatcher' })
  ipc = ipcBridge(services)
})

afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('every declared operation is served on both edges', () => {
  it('has one HTTP route per routed operation, with its declared method, path and roles', () => {
    const endpoints = apiRouters({ services: probeServices(), events: null }).flatMap(
      (api) => api.endpoints,
    )
    for (const op of ALL) {
      const serving = endpoints.filter((endpoint) => endpoint.operation === op.name)
      if (!isHttp(op.route)) {
        expect(serving, op.name).toEqual([])
        continue
      }
      expect(
        serving.map((endpoint) => [endpoint.method, endpoint.path, endpoint.access]),
        op.name,
      ).toEqual([[op.route.method, op.route.path, op.roles]])
    }
    // Every route of an operation is a declared one.
    const declared = new Set(ALL.map((op) => op.name))
    for (const endpoint of endpoints) {
      if (endpoint.operation) expect(declared.has(endpoint.operation), endpoint.path).toBe(true)
    }
  })

  it('registers an IPC handler for exactly the desktop operations, none for HTTP-only ones', () => {
    expect([...CHANNELS].sort()).toEqual(desktop.map((op) => op.name).sort())
    expect([...ipc.handlers.keys()].sort()).toEqual(desktop.map((op) => op.name).sort())
    for (const op of httpOnly) expect(ipc.handlers.has(op.name), op.name).toBe(false)
  })

  it('lets the preload pass exactly the desktop operations', async () => {
    const invoke = ipc.bridge.invoke.bind(ipc.bridge) as (
      c: string,
      ...a: unknown[]
    ) => Promise<unknown>
    for (const name of [...httpOnly.map((op) => op.name), 'tasks:drop', 'constructor']) {
      ipc.invoked.length = 0
      await expect(invoke(name), name).rejects.toThrow(`unknown channel '${name}'`)
      expect(ipc.invoked, name).toEqual([])
    }
    for (const op of desktop) {
      ipc.invoked.length = 0
      await reached(ipc.bridge, op)
      expect(ipc.invoked, op.name).toEqual([op.name])
    }
  })

  it('lets the desktop (a dispatcher) call every operation it carries', () => {
    for (const op of desktop) {
      if (op.roles !== 'public') expect(op.roles, op.name).toContain(CONSOLE_ACTOR.role)
    }
  })

  it.each(desktop.filter((op) => op.name !== 'app:status' && op.name !== 'trips:chooseFiles'))(
    '$name reaches the same service function from the desktop and from a browser',
    async (op) => {
      const overIpc = await reached(ipc.bridge, op)
      const overHttp = await reached(http, op)
      // session:me needs no service: it answers on both edges.
      expect(overIpc, op.name).toMatch(/^[a-zA-Z]+\.[a-zA-Z]+$|desktop app|^answered$/)
      if (isDesktopOnly(op.route)) expect(overHttp).toBe(op.route.desktopOnly)
      // trips:upload is a browser's (the desktop reads files from disk).
      else if (op.name === 'trips:upload') expect(overHttp).toBe('trips.importFiles')
      else expect(overHttp).toBe(overIpc)
    },
  )

  it.each(httpOnly)('$name (HTTP only) reaches its service function', async (op) => {
    expect(await reachedOverHttp(url, op)).toMatch(/^[a-zA-Z]+\.[a-zA-Z]+$/)
  })
})
