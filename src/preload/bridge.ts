import {
  isChannel,
  isEventName,
  type Channel,
  type BridgeRefusal,
  type ConsoleApi,
  type ConsoleBridge,
  type ConsoleEvents,
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
    typeof value.error.detail === 'string'
  )
}

/**
 * What the preload exposes as `window.balancer`: exactly the contract, nothing of `ipcRenderer`.
 * Only the contract's channels and events pass, whatever a compromised page asks for.
 */
export function createBridge(ipc: IpcRendererLike): ConsoleBridge {
  return {
    async invoke<C extends Channel>(
      channel: C,
      ...request: RequestArgs<C>
    ): Promise<ConsoleApi[C]['response']> {
      if (!isChannel(channel)) throw new Error(`unknown channel '${String(channel)}'`)
      const result = await ipc.invoke(channel, ...request)
      if (!isResult(result)) throw new Error(`${channel} gave an answer outside the contract`)
      // Only an Error's message survives the trip to the page, so the detail is the message; a
      // refusal carrying more (fits_qty) goes as plain data, which contextBridge copies whole.
      if (!result.ok) {
        const { detail, code, ...extra } = result.error
        if (Object.keys(extra).length === 0) throw new Error(detail)
        const refusal: BridgeRefusal = { message: detail, detail, code, ...extra }
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an Error's fields would not cross
        return Promise.reject(refusal)
      }
      return result.value as ConsoleApi[C]['response']
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
  } satisfies ConsoleBridge
}
