import type { ConsoleBridge } from '../../../shared/contract'
import { desktopClient } from '../../../shared/desktop-client'
import { createHttpClient } from './http-client'

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

export function createClient(win: Window = window, tokens?: TokenSource): ConsoleClient {
  if (win.balancer) return desktopClient(win.balancer)
  return createHttpClient(win.location.origin, {
    token: () => (tokens ? tokens.get() : win.localStorage.getItem(TOKEN_KEY)),
    onUnauthorized: (detail) => tokens?.reject(detail),
  })
}
