import { isBridgeRefusal, type ConsoleBridge } from '../../../shared/contract'
import { ApiError, createHttpClient } from './http-client'

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
 * The bikes a refused move could still move (`move_does_not_fit`'s `fits_qty`), on either edge;
 * null for any other failure.
 */
export function fitsQtyOf(error: unknown): number | null {
  return error instanceof ApiError && error.extra.fits_qty !== undefined
    ? error.extra.fits_qty
    : null
}

/** The preload's bridge, its refusals that carry more than words turned into ApiErrors. */
export function fromBridge(bridge: ConsoleBridge): ConsoleClient {
  const invoke = (async (channel: Parameters<ConsoleBridge['invoke']>[0], ...args: unknown[]) => {
    try {
      return await (bridge.invoke as (channel: string, ...rest: unknown[]) => Promise<unknown>)(
        channel,
        ...args,
      )
    } catch (error) {
      if (!isBridgeRefusal(error)) throw error
      throw new ApiError(error.detail, 0, error.code, { fits_qty: error.fits_qty })
    }
  }) as ConsoleBridge['invoke']
  return { invoke, on: (event, listener) => bridge.on(event, listener) }
}

export function createClient(win: Window = window, tokens?: TokenSource): ConsoleClient {
  return (
    (win.balancer && fromBridge(win.balancer)) ??
    createHttpClient(win.location.origin, {
      token: () => (tokens ? tokens.get() : win.localStorage.getItem(TOKEN_KEY)),
      onUnauthorized: (detail) => tokens?.reject(detail),
    })
  )
}
