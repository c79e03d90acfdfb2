import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import {
  CHANNELS,
  type AppStatus,
  type Channel,
  type ConsoleBridge,
  type DesktopBridge,
  type IpcResult,
} from '../../src/shared/contract.js'
import { ApiError } from '../../src/shared/api-error.js'
import { ServiceError } from '../../src/server/errors.js'
import type { TripImportProgress, TripImportReport } from '../../src/shared/trips.js'
import { appStatus } from '../helpers/app-status.js'
import { SAMPLE_REQUESTS } from '../helpers/sample-requests.js'
import { fakeServices } from '../helpers/fake-services.js'
import { CONSOLE_ACTOR } from '../../src/server/auth/actor.js'
import type { Services } from '../../src/server/services.js'
import { createHandlers } from '../../src/main/handlers.js'
import {
  broadcast,
  registerHandlers,
  sendEvent,
  type Handlers,
  type IpcMainLike,
  type WebContentsLike,
} from '../../src/main/ipc.js'
import { chooseTripFiles } from '../../src/main/dialogs.js'
import { forwardChanges } from '../../src/main/live-events.js'
import { appUrlMatcher, isWebUrl } from '../../src/main/security.js'
import type { ChangeListener } from '../../src/server/events/notify-hub.js'
import { createBridge, type IpcRendererLike } from '../../src/preload/bridge.js'
import { desktopClient } from '../../src/shared/desktop-client.js'

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

  // The page's client over the preload's bridge, as createClient makes it in the desktop app.
  const bridge = desktopClient(createBridge(ipcRenderer))
  return { ipcMain, ipcRenderer, webContents, handlers, bridge }
}

/** Handlers that all answer the same value, whatever the channel. */
function handlersAnswering(answer: unknown): Handlers {
  return Object.fromEntries(
    CHANNELS.map((channel) => [channel, () => Promise.resolve(answer)]),
  ) as unknown as Handlers
}

function invokeSample(bridge: ConsoleBridge, channel: Channel): Promise<unknown> {
  const request = SAMPLE_REQUESTS[channel]
  const invoke = bridge.invoke.bind(bridge) as (
    channel: Channel,
    ...args: unknown[]
  ) => Promise<unknown>
  return request === undefined ? invoke(channel) : invoke(channel, request)
}

describe('IPC between main and the preload bridge', () => {
  it('registers every channel of the contract, and the bridge reaches each one', async () => {
    const electron = fakeElectron()
    registerHandlers(electron.ipcMain, handlersAnswering(appStatus()))

    expect([...electron.handlers.keys()].sort()).toEqual([...CHANNELS].sort())
    for (const channel of CHANNELS) {
      await expect(invokeSample(electron.bridge, channel)).resolves.toEqual(appStatus())
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

    await expect(invokeSample(electron.bridge, 'app:quit' as Channel)).rejects.toThrow(
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
      { ...handlersAnswering(null), 'app:status': () => Promise.reject(failure) },
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

  it("carries a refusal's code and every field of its body to the page (fits_qty)", async () => {
    const electron = fakeElectron()
    const refusal = new ServiceError('conflict', 'move_does_not_fit', 'B has 3 bikes', {
      fits_qty: 3,
    })
    registerHandlers(electron.ipcMain, {
      ...handlersAnswering(null),
      'tasks:approve': () => Promise.reject(refusal),
    })
    await expect(
      electron.ipcRenderer.invoke('tasks:approve', { suggestion_id: 1 }),
    ).resolves.toEqual({
      ok: false,
      error: { detail: 'B has 3 bikes', code: 'move_does_not_fit', fits_qty: 3 },
    })
    const error: unknown = await electron.bridge
      .invoke('tasks:approve', { suggestion_id: 1 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      message: 'B has 3 bikes',
      code: 'move_does_not_fit',
      extra: { detail: 'B has 3 bikes', code: 'move_does_not_fit', fits_qty: 3 },
    })
  })

  it('refuses a request the contract does not allow before any service sees it', async () => {
    const electron = fakeElectron()
    const getStatus = vi.fn(() => Promise.resolve(appStatus()))
    const approve = vi.fn()
    const services = vi.fn(() =>
      Promise.resolve(fakeServices({ dispatch: { approve } as unknown as Services['dispatch'] })),
    )
    registerHandlers(electron.ipcMain, createHandlers({ status: getStatus, services }))

    const answer = (await electron.ipcRenderer.invoke('app:status', { drop: 'table' })) as {
      ok: boolean
      error: { code: string }
    }
    expect(answer.ok).toBe(false)
    expect(answer.error.code).toBe('bad_request')
    expect(getStatus).not.toHaveBeenCalled()

    const approval = (await electron.ipcRenderer.invoke('tasks:approve', {
      suggestion_id: 'all',
    })) as { ok: boolean; error: { code: string; detail: string } }
    expect(approval).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    expect(approval.error.detail).toContain('suggestion_id')
    expect(approve).not.toHaveBeenCalled()
  })

  it('calls the same service as the HTTP route, as the dispatcher at this desk', async () => {
    const electron = fakeElectron()
    const task = { id: 7, status: 'ready' }
    const approve = vi.fn(() => Promise.resolve(task))
    const services = () =>
      Promise.resolve(fakeServices({ dispatch: { approve } as unknown as Services['dispatch'] }))
    registerHandlers(
      electron.ipcMain,
      createHandlers({ status: () => Promise.resolve(appStatus()), services }),
    )
    await expect(electron.bridge.invoke('tasks:approve', { suggestion_id: 3 })).resolves.toEqual(
      task,
    )
    expect(approve).toHaveBeenCalledWith({ suggestion_id: 3 }, CONSOLE_ACTOR)
  })

  it('forwards every progress report of trips:import to the windows as trips:import-progress', async () => {
    const electron = fakeElectron()
    const progress: TripImportProgress = {
      file: '201802-fordgobike-tripdata.csv.gz',
      phase: 'reading',
      rowsDone: 56_320,
      rowsPerSecond: 112_640,
      percent: 53,
      elapsedSeconds: 0.5,
    }
    const report: TripImportReport = {
      systemId: 'fgb',
      timeZone: 'America/Los_Angeles',
      stationsLoaded: null,
      systemCreated: false,
      remapped: null,
      outcomes: [],
    }
    const importFiles = vi.fn((_request: unknown, onProgress?: (p: TripImportProgress) => void) => {
      onProgress?.(progress)
      onProgress?.({ ...progress, phase: 'done', rowsDone: 106_718, percent: 100 })
      return Promise.resolve(report)
    })
    const services = () =>
      Promise.resolve(fakeServices({ trips: { importFiles } as unknown as Services['trips'] }))
    registerHandlers(
      electron.ipcMain,
      createHandlers({ status: () => Promise.resolve(appStatus()), services }, (event, payload) =>
        broadcast([electron.webContents], event, payload),
      ),
    )
    const heard: TripImportProgress[] = []
    const unsubscribe = electron.bridge.on('trips:import-progress', (p) => heard.push(p))
    await expect(
      electron.bridge.invoke('trips:import', { paths: ['/data/a.csv'], systemId: 'fgb' }),
    ).resolves.toEqual(report)
    unsubscribe()
    expect(heard.map((p) => [p.phase, p.rowsDone])).toEqual([
      ['reading', 56_320],
      ['done', 106_718],
    ])
    expect(importFiles).toHaveBeenCalledWith(
      { paths: ['/data/a.csv'], systemId: 'fgb' },
      expect.any(Function),
    )
  })

  it("forwards the database's change notifications to the windows as typed live events", () => {
    const electron = fakeElectron()
    const listeners = new Set<ChangeListener>()
    const hub = {
      subscribe(listener: ChangeListener) {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
    }
    const notify = (channel: string, payload: string) => {
      for (const listener of listeners) listener({ channel, payload })
    }
    const stop = forwardChanges(hub, (event, payload) =>
      broadcast([electron.webContents], event, payload),
    )
    const heard: unknown[] = []
    electron.bridge.on('tasks:changed', (changes) => heard.push(['tasks', changes]))
    electron.bridge.on('stations:changed', (poll) => heard.push(['stations', poll.systemId]))
    electron.bridge.on('app:resync', () => heard.push(['resync']))
    electron.bridge.on('problems:changed', (change) =>
      heard.push(['problems', change.problem_id, change.event]),
    )
    electron.bridge.on('suggestions:changed', (change) => heard.push(['suggestions', change]))

    notify('tasks', '[{"id":7,"status":"assigned"}]')
    notify('tasks', 'not json')
    notify('tasks', '[{"id":7,"status":"lost"}]')
    notify(
      'station_status',
      JSON.stringify({
        feedId: 1,
        pollId: 9,
        systemId: 'bay_wheels',
        outcome: 'ok',
        statusRowsWritten: 4,
        at: '2025-06-03T14:03:30.000Z',
      }),
    )
    notify(
      'problems',
      JSON.stringify({ problem_id: 4, station_id: 'B', kind: 'vandalism', event: 'reported' }),
    )
    notify('problems', JSON.stringify({ problem_id: 'four', event: 'reported' }))
    notify('suggestions', '{"system_id":"bay_wheels"}')
    notify('suggestions', '{"system":3}')
    notify('resync', '{}')
    notify('somebody_elses_channel', '{}')
    stop()
    notify('tasks', '[{"id":8,"status":"ready"}]')

    expect(heard).toEqual([
      ['tasks', [{ id: 7, status: 'assigned' }]],
      ['stations', 'bay_wheels'],
      ['problems', 4, 'reported'],
      ['suggestions', { system_id: 'bay_wheels' }],
      ['resync'],
    ])
    expect(listeners.size).toBe(0)
  })

  it('tells the desktop window it is the depot dispatcher: no sign-in there', async () => {
    const electron = fakeElectron()
    registerHandlers(
      electron.ipcMain,
      createHandlers({
        status: () => Promise.resolve(appStatus()),
        services: () => Promise.reject(new Error('not needed')),
      }),
    )
    await expect(electron.bridge.invoke('session:me')).resolves.toEqual({
      name: 'console',
      role: 'dispatcher',
      crew_id: null,
      token_id: null,
    })
  })

  it('refuses a trips:import request the contract does not allow, and files that are not trip files', async () => {
    const electron = fakeElectron()
    registerHandlers(electron.ipcMain, handlersAnswering(appStatus()))
    await expect(
      electron.bridge.invoke('trips:import', {
        paths: ['/data/a.csv'],
        maxRejected: 'lots',
      }),
    ).rejects.toThrow(/maxRejected/)
    await expect(
      electron.bridge.invoke('trips:import', { paths: ['/etc/shadow'] }),
    ).rejects.toThrow(/input\.paths\.0: must be a \.csv, \.csv\.gz or \.zip file/)
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
    const bridge = desktopClient(
      createBridge({
        invoke: () => Promise.resolve(appStatus()),
        on: () => undefined,
        removeListener: () => undefined,
      }),
    )
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
    expectTypeOf(createBridge).returns.toEqualTypeOf<DesktopBridge>()
    expectTypeOf(desktopClient).returns.toEqualTypeOf<ConsoleBridge>()

    // @ts-expect-error a handler map that misses a channel does not compile
    const incomplete: Handlers = {}
    expect(incomplete).toEqual({})
  })
})

describe("trips:chooseFiles: main's native dialog", () => {
  const dialog = (result: { canceled: boolean; filePaths: string[] }) => ({
    showOpenDialog: vi.fn(() => Promise.resolve(result)),
  })

  it('answers the chosen trip files, and none when the dialog is canceled', async () => {
    const picked = dialog({ canceled: false, filePaths: ['/data/a.csv', '/data/b.csv.gz'] })
    await expect(chooseTripFiles(picked)).resolves.toEqual({
      paths: ['/data/a.csv', '/data/b.csv.gz'],
    })
    expect(picked.showOpenDialog).toHaveBeenCalledWith(
      expect.objectContaining({ properties: ['openFile', 'multiSelections'] }),
    )
    await expect(chooseTripFiles(dialog({ canceled: true, filePaths: [] }))).resolves.toEqual({
      paths: [],
    })
    await expect(
      chooseTripFiles(dialog({ canceled: false, filePaths: ['/etc/passwd'] })),
    ).rejects.toThrow('not a trip file (.csv, .csv.gz or .zip): /etc/passwd')
  })

  it('reaches the page through the bridge as the channel trips:chooseFiles', async () => {
    const electron = fakeElectron()
    const picked = dialog({ canceled: false, filePaths: ['/data/201802.csv.zip'] })
    registerHandlers(
      electron.ipcMain,
      createHandlers(
        { status: () => Promise.resolve(appStatus()), services: () => Promise.reject(new Error()) },
        undefined,
        { chooseTripFiles: () => chooseTripFiles(picked) },
      ),
    )
    await expect(electron.bridge.invoke('trips:chooseFiles')).resolves.toEqual({
      paths: ['/data/201802.csv.zip'],
    })
  })
})
