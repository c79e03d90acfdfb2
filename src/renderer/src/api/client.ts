import type { ConsoleBridge } from '../../../shared/contract'
import { inWords } from './error-words'
import { createHttpClient } from './http-client'

export { ApiError, createHttpClient, POLL_MS, type HttpClientOptions } from './http-client'
export { parseEventStream } from './event-stream'

/**
 * What the console's views program against: the preload's bridge inside Electron, or HTTP when a
 * browser opens the console from the embedded server (./http-client.ts, its live events in
 * ./event-stream.ts). Views never know which.
 */
export type ConsoleClient = ConsoleBridge

/** Where a browser keeps the dispatcher's or analyst's API token between visits. */
export const TOKEN_KEY = 'balancer.token'

/** Where the browser client reads its token and says that the server refused it. */
export interface TokenSource {
  get(): string | null
  reject(detail: string): void
}

/**
 * The desktop's bridge with its errors in words (see ./error-words.ts), as the HTTP client gives
 * them: the preload hands the page a plain Error whose message is the server's detail.
 */
export function inWordsBridge(bridge: ConsoleBridge): ConsoleBridge {
  return {
    on: (event, listener) => bridge.on(event, listener),
    invoke: (channel, ...request) =>
      bridge.invoke(channel, ...request).catch((error: unknown) => {
        if (!(error instanceof Error)) throw error
        const words = inWords(error.message)
        if (words === error.message) throw error
        throw new Error(words, { cause: error })
      }),
  }
}

export function createClient(win: Window = window, tokens?: TokenSource): ConsoleClient {
  return (
    (win.balancer && inWordsBridge(win.balancer)) ??
    createHttpClient(win.location.origin, {
      token: () => (tokens ? tokens.get() : win.localStorage.getItem(TOKEN_KEY)),
      onUnauthorized: (detail) => tokens?.reject(detail),
    })
  )
}
