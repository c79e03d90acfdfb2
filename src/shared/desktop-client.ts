import type { Channel, ConsoleApi, ConsoleBridge, DesktopBridge, IpcResult } from './contract.js'
import { ApiError } from './api-error.js'

type RequestArgs<C extends Channel> = ConsoleApi[C]['request'] extends undefined
  ? []
  : [ConsoleApi[C]['request']]

/**
 * The desktop's client: the preload's bridge answers each call's result as data (an Error thrown
 * across Electron's contextBridge keeps only its message); a failure is thrown here, in the page,
 * as the ApiError a browser's client throws, with its code and every field of the error.
 */
export function desktopClient(bridge: DesktopBridge): ConsoleBridge {
  return {
    async invoke<C extends Channel>(channel: C, ...request: RequestArgs<C>) {
      const result: IpcResult<ConsoleApi[C]['response']> = await bridge.invoke(channel, ...request)
      if (result.ok) return result.value
      const { detail, code } = result.error
      throw new ApiError(detail, 0, code, result.error)
    },
    on: (event, listener) => bridge.on(event, listener),
  }
}
