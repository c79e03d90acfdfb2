import type { ConsoleBridge } from '../../src/shared/contract.js'
import { createHandlers } from '../../src/main/handlers.js'
import { registerHandlers, type IpcMainLike } from '../../src/main/ipc.js'
import { createBridge } from '../../src/preload/bridge.js'
import { desktopClient } from '../../src/shared/desktop-client.js'
import type { TestApi } from './api.js'
import { appStatus } from './app-status.js'

/**
 * The preload bridge over an in-memory ipcMain, with the main process's real handlers; every call
 * structured-cloned both ways, as Electron copies it. `tripFile`: what the native dialog
 * answers, as a dispatcher picking one file would. The page's side is the renderer's own
 * desktop client, which throws a refusal with every field.
 */
export function electronBridge(services: TestApi['services'], tripFile?: string): ConsoleBridge {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  }
  registerHandlers(
    ipcMain,
    createHandlers(
      {
        status: () => Promise.resolve(appStatus()),
        services: () => Promise.resolve(services),
      },
      undefined,
      { chooseTripFiles: () => Promise.resolve({ paths: tripFile ? [tripFile] : [] }) },
    ),
  )
  return desktopClient(
    createBridge({
      invoke: async (channel, ...args) =>
        structuredClone(await handlers.get(channel)?.({}, ...structuredClone(args))),
      on: () => undefined,
      removeListener: () => undefined,
    }),
  )
}
