import type { ConsoleBridge } from '../../../shared/contract'
import { desktopClient } from '../../../shared/desktop-client'
import { inWords } from './error-words'
import { ApiError, createHttpClient } from './http-client'

export {
  ApiError,
  createHttpClient,
  fitsQtyOf,
  POLL_MS,
  type HttpClientOptions,
} from './http-client'
export { desktopClient } from '../../../shared/desktop-client'
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
 * The desktop's client with its errors in words (see ./error-words.ts), as the HTTP client gives
 * them; every other field of the refusal (its code, `fits_qty`) kept.
 */
export function inWordsBridge(bridge: ConsoleBridge): ConsoleBridge {
  return {
    on: (event, listener) => bridge.on(event, listener),
    invoke: (channel, ...request) =>
      bridge.invoke(channel, ...request).catch((error: unknown) => {
        if (!(error instanceof Error)) throw error
        const words = inWords(error.message)
        if (words === error.message) throw error
        if (error instanceof ApiError) {
          throw new ApiError(words, error.status, error.code, error.extra)
        }
        throw new Error(words, { cause: error })
      }),
  }
}

export function createClient(win: Window = window, tokens?: TokenSource): ConsoleClient {
  if (win.balancer) return inWordsBridge(desktopClient(win.balancer))
  return createHttpClient(win.location.origin, {
    token: () => (tokens ? tokens.get() : win.localStorage.getItem(TOKEN_KEY)),
    onUnauthorized: (detail) => tokens?.reject(detail),
  })
}
