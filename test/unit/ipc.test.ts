import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import {
  CHANNELS,
  type AppStatus,
  type Channel,
  type ConsoleApi,
  type ConsoleBridge,
  type IpcResult,
} from '../../src/shared/contract.js'
import { appStatus } from '../helpers/app-status.js'
import { fakeFeedService, feedsHealth } from '../helpers/feeds.js'
import { createHandlers } from '../../src/main/handlers.js'
import {
  broadcast,
  registerHandlers,
  sendEvent,
  type Handlers,
  type IpcMainLike,
  type WebContentsLike,
} from '../../src/main/ipc.js'
import { appUrlMatcher, isWebUrl } from '../../src/main/security.js'
import { createBridge, type IpcRendererLike } from '../../src/preload/bridge.js'

const APP_PAGE = 'file:///opt/balancer/out/renderer/index.html'

interface FakeInvokeEvent {
  senderFrame: { url: string } | null
}

type RendererListener = (event: unknown, ...args: unknown[]) => void

/**
 * ipcMain, ipcRenderer and a window's webContents wired together in memory. Values cross by
 * structured clone, as they do between Electron's processes, so an Error loses its fields here
 * too. Unlike Electron's, this ipcMain accepts a second handler: the refusal must be our own.
 */
function fakeElectron(senderUrl = APP_PAGE) {
  const handlers = new Map<string, (event: FakeInvokeEvent, ...args: unknown[]) => unknown>()
  const listeners = new Map<string, Set<RendererListener>>()

  const ipcMain: IpcMainLike<FakeInvokeEvent> = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  }

  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]): Promise<unknown> => {
      const handler = handlers.get(channel)
      if (!handler) throw new Error(`No handler registered for '${channel}'`)
      const answer = await handler({ senderFrame: { url: senderUrl } }, ...structuredClone(args))
      return structuredClone(answer)
    }),
    on(channel: string, listener: RendererListener) {
      const set = listeners.get(channel) ?? new Set()
      set.add(listener)
      listeners.set(channel, set)
    },
    removeListener(channel: string, listener: RendererListener) {
      listeners.get(channel)?.delete(listener)
    },
  } satisfies IpcRendererLike

  let destroyed = false
  const webContents: WebContentsLike & { destroy(): void } = {
    send(channel, ...args) {
      const event = { sender: ipcRenderer, senderId: 0, ports: [] }
      for (const listener of listeners.get(channel) ?? []) listener(event, ...structuredClone(args))
    },
    isDestroyed: () => destroyed,
    destroy: () => {
      destroyed = true
    },
  }

  return { ipcMain, ipcRenderer, webContents, handlers, bridge: createBridge(ipcRenderer) }
}

function handlersAnswering(answer: AppStatus): Handlers {
  return createHandlers({
    status: () => Promise.resolve(answer),
    services: () =>
      Promise.resolve({
        status: { getAppStatus: () => Promise.resolve(answer) },
        feeds: fakeFeedService(),
      }),
  })
}

/** A request and the answer handlersAnswering gives, per channel: a new channel must add one. */
const SAMPLES: { [C in Channel]: [ConsoleApi[C]['request'], ConsoleApi[C]['response']] } = {
  'app:status': [undefined, appStatus()],
  'feeds:health': [undefined, feedsHealth()],
  'feeds:stations': [{ staleOnly: true }, []],
}

describe('IPC between main and the preload bridge', () => {
  it('registers every channel of the contract, and the bridge reaches each one', async () => {
    const electron = fakeElectron()
    registerHandlers(electron.ipcMain, handlersAnswering(appStatus()))

    expect([...electron.handlers.keys()].sort()).toEqual([...CHANNELS].sort())
    const invoke = electron.bridge.invoke.bind(electron.bridge) as (
      channel: Channel,
      ...request: unknown[]
    ) => Promise<unknown>
    for (const channel of CHANNELS) {
      const [request, answer] = SAMPLES[channel]
      await expect(invoke(channel, ...(request === undefined ? [] : [request]))).resolves.toEqual(
        answer,
      )
    }
  })

  it('exposes only invoke and on to the page, never ipcRenderer', () => {
    const { bridge } = fakeElectron()
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on'])
  })

  it('refuses to register a channel twice', () => {
    const electron = fakeElectron()
    const handlers = handlersAnswering(appStatus())
    const unregister = registerHandlers(electron.ipcMain, handlers)

    expect(() => registerHandlers(electron.ipcMain, handlers)).toThrow(
      "a handler for 'app:status' is already registered",
    )

    unregister()
    expect(electron.handlers.size).toBe(0)
    expect(() => registerHandlers(electron.ipcMain, handlers)).not.toThrow()
  })

  it('refuses a channel outside the contract in main, and registers nothing', () => {
    const electron = fakeElectron()
    const handlers = {
      ...handlersAnswering(appStatus()),
      'app:quit': () => Promise.resolve(null),
    } as unknown as Handlers

    expect(() => registerHandlers(electron.ipcMain, handlers)).toThrow(
      "refusing to register 'app:quit': it is not a channel of the contract",
    )
    expect(electron.handlers.size).toBe(0)
  })

  it('refuses a channel outside the contract in the preload, without asking main', async () => {
    const electron = fakeElectron()
    registerHandlers(electron.ipcMain, handlersAnswering(appStatus()))

    await expect(electron.bridge.invoke('app:quit' as 'app:status')).rejects.toThrow(
      "unknown channel 'app:quit'",
    )
    expect(() => electron.bridge.on('app:quit' as 'app:status', () => undefined)).toThrow(
      "unknown event 'app:quit'",
    )
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled()
  })

  it('brings a handler that throws back to the page as an Error carrying its detail', async () => {
    const electron = fakeElectron()
    const failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    })
    const onError = vi.fn()
    registerHandlers(
      electron.ipcMain,
      { ...handlersAnswering(appStatus()), 'app:status': () => Promise.reject(failure) },
      { onError },
    )

    const error: unknown = await electron.bridge.invoke('app:status').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('connect ECONNREFUSED 127.0.0.1:5432')
    expect(onError).toHaveBeenCalledWith('app:status', failure)

    // On the wire it is data, so the code survives even though Electron drops Error fields.
    await expect(electron.ipcRenderer.invoke('app:status')).resolves.toEqual({
      ok: false,
      error: { code: 'ECONNREFUSED', detail: 'connect ECONNREFUSED 127.0.0.1:5432' },
    } satisfies IpcResult<AppStatus>)
  })

  it('refuses a request the contract does not allow before any service sees it', async () => {
    const electron = fakeElectron()
    const getStatus = vi.fn(() => Promise.resolve(appStatus()))
    const getServices = vi.fn(() =>
      Promise.resolve({ status: { getAppStatus: getStatus }, feeds: fakeFeedService() }),
    )
    registerHandlers(electron.ipcMain, createHandlers({ status: getStatus, services: getServices }))

    const answer = (await electron.ipcRenderer.invoke('app:status', { drop: 'table' })) as {
      ok: boolean
      error: { code: string }
    }
    expect(answer.ok).toBe(false)
    expect(answer.error.code).toBe('bad_request')
    expect(getStatus).not.toHaveBeenCalled()

    const stations = (await electron.ipcRenderer.invoke('feeds:stations', {
      staleOnly: 'yes',
    })) as { ok: boolean; error: { code: string; detail: string } }
    expect(stations.ok).toBe(false)
    expect(stations.error.detail).toMatch(/staleOnly/)
    expect(getServices).not.toHaveBeenCalled()
  })

  it("refuses calls from a page that is not the console's own", async () => {
    const electron = fakeElectron('https://example.com/')
    registerHandlers(electron.ipcMain, handlersAnswering(appStatus()), {
      trustSender: (event) => event.senderFrame?.url === APP_PAGE,
    })

    await expect(electron.bridge.invoke('app:status')).rejects.toThrow(
      "app:status answers only the console's own window",
    )
  })

  it('delivers events without the Electron event object, and stops after unsubscribe', () => {
    const electron = fakeElectron()
    const listener = vi.fn()
    const unsubscribe = electron.bridge.on('app:status', listener)

    broadcast([electron.webContents], 'app:status', appStatus(false))
    expect(listener.mock.calls).toEqual([[appStatus(false)]])

    unsubscribe()
    broadcast([electron.webContents], 'app:status', appStatus(true))
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('skips a window that has closed', () => {
    const electron = fakeElectron()
    const listener = vi.fn()
    electron.bridge.on('app:status', listener)
    electron.webContents.destroy()

    expect(() => sendEvent(electron.webContents, 'app:status', appStatus())).not.toThrow()
    expect(listener).not.toHaveBeenCalled()
  })

  it('an answer that is not an IPC result is an error, not a value', async () => {
    const bridge = createBridge({
      invoke: () => Promise.resolve(appStatus()),
      on: () => undefined,
      removeListener: () => undefined,
    })
    await expect(bridge.invoke('app:status')).rejects.toThrow(
      'app:status gave an answer outside the contract',
    )
  })
})

describe('which pages main trusts with IPC and what it opens outside', () => {
  it("trusts the built console's own file, and no other file", () => {
    const isApp = appUrlMatcher(APP_PAGE)
    expect(isApp(APP_PAGE)).toBe(true)
    expect(isApp(`${APP_PAGE}#/stations`)).toBe(true)
    expect(isApp('file:///opt/balancer/out/renderer/other.html')).toBe(false)
    expect(isApp('file:///etc/passwd')).toBe(false)
    expect(isApp('not a url')).toBe(false)
  })

  it("trusts the dev server's origin in development, and no other", () => {
    const isApp = appUrlMatcher('http://localhost:5173')
    expect(isApp('http://localhost:5173/src/main.tsx')).toBe(true)
    expect(isApp('http://localhost:5174/')).toBe(false)
    expect(isApp('https://example.com/')).toBe(false)
  })

  it('sends only web pages to the system browser', () => {
    expect(isWebUrl('http://127.0.0.1:8000')).toBe(true)
    expect(isWebUrl('https://www.lyft.com/bikes/bay-wheels')).toBe(true)
    expect(isWebUrl('file:///etc/passwd')).toBe(false)
    expect(isWebUrl('smb://depot/share')).toBe(false)
    expect(isWebUrl('javascript:alert(1)')).toBe(false)
  })
})

describe('the contract, at compile time', () => {
  it('Handlers has one handler per channel, and main and preload are built from it', () => {
    expectTypeOf<keyof Handlers>().toEqualTypeOf<Channel>()
    expectTypeOf(createHandlers).returns.toEqualTypeOf<Handlers>()
    expectTypeOf(createBridge).returns.toEqualTypeOf<ConsoleBridge>()

    // @ts-expect-error a handler map that misses a channel does not compile
    const incomplete: Handlers = {}
    expect(incomplete).toEqual({})
  })
})
