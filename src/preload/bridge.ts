import {
  isChannel,
  isEventName,
  type Channel,
  type ConsoleApi,
  type ConsoleEvents,
  type DesktopBridge,
  type EventName,
  type IpcResult,
  type Unsubscribe,
} from '../shared/contract.js'

type RendererListener = (event: unknown, ...args: unknown[]) => void

/** The part of Electron's `ipcRenderer` the bridge uses, so tests can pass a fake. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: RendererListener): unknown
  removeListener(channel: string, listener: RendererListener): unknown
}

type RequestArgs<C extends Channel> = ConsoleApi[C]['request'] extends undefined
  ? []
  : [ConsoleApi[C]['request']]

function isResult(value: unknown): value is IpcResult<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false
  if (value.ok === true) return 'value' in value
  return (
    value.ok === false &&
    'error' in value &&
    typeof value.error === 'object' &&
    value.error !== null &&
    'detail' in value.error &&
    typeof value.error.detail === 'string' &&
    'code' in value.error &&
    typeof value.error.code === 'string'
  )
}

/**
 * What the preload exposes as `window.balancer`: exactly the contract, nothing of `ipcRenderer`.
 * Only the contract's channels and events pass, whatever a compromised page asks for. Each call
 * answers its result as data: an Error thrown across the contextBridge would keep only its
 * message, and the page needs a refusal's code and fields (src/renderer/src/api/desktop-client.ts
 * throws them as an ApiError).
 */
export function createBridge(ipc: IpcRendererLike): DesktopBridge {
  return {
    async invoke<C extends Channel>(
      channel: C,
      ...request: RequestArgs<C>
    ): Promise<IpcResult<ConsoleApi[C]['response']>> {
      if (!isChannel(channel)) throw new Error(`unknown channel '${String(channel)}'`)
      const result = await ipc.invoke(channel, ...request)
      if (!isResult(result)) {
        return {
          ok: false,
          error: { code: 'bad_answer', detail: `${channel} gave an answer outside the contract` },
        }
      }
      return result as IpcResult<ConsoleApi[C]['response']>
    },

    on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void): Unsubscribe {
      if (!isEventName(event)) throw new Error(`unknown event '${String(event)}'`)
      // The Electron event object stays here: it carries `sender`, which is ipcRenderer itself.
      const forward: RendererListener = (_event, payload) => listener(payload as ConsoleEvents[E])
      ipc.on(event, forward)
      return () => {
        ipc.removeListener(event, forward)
      }
    },
  } satisfies DesktopBridge
}
