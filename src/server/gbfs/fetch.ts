import { APP_VERSION } from '../../shared/version.js'
import { FeedError } from './feed-error.js'
import type { GbfsFile } from './types.js'

/** What a server said about a file last time, for a conditional request. */
export interface Validators {
  etag: string | null
  lastModified: string | null
}

export type FetchResult =
  | { kind: 'body'; status: number; text: string; validators: Validators }
  | { kind: 'not_modified'; status: 304 }

/** Fetches one feed file; throws FeedError (or an AbortError when `signal` is aborted). */
export type FetchFile = (
  file: GbfsFile,
  url: string,
  validators: Validators | null,
  signal: AbortSignal,
) => Promise<FetchResult>

export interface HttpFetcherOptions {
  /** Per request, body included. */
  timeoutMs?: number
  maxBytes?: number
}

/**
 * 10 s per request: Lyft answers in well under a second, and a feed slower than that is better
 * treated as down (and retried with backoff) than allowed to hold up the next poll.
 */
export const FETCH_TIMEOUT_MS = 10_000
/** The largest real file we have seen is 0.74 MB (Divvy's 1,811-station status). */
export const MAX_FEED_BYTES = 32 * 1024 * 1024

interface NodeCause {
  code?: string
  hostname?: string
  address?: string
  port?: number
  message?: string
}

/** A fetch failure in words: which host, and what the network said. */
function describeNetworkError(url: string, error: unknown): string {
  const cause = (error as { cause?: NodeCause }).cause
  const host = new URL(url).host
  if (!cause?.code) return `cannot reach ${host}: ${(error as Error).message}`
  switch (cause.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${cause.hostname ?? host} (${cause.code}): no network, or a wrong address`
    case 'ECONNREFUSED':
      return `${host} refused the connection (nothing is listening there)`
    case 'ECONNRESET':
      return `${host} closed the connection mid-answer`
    default:
      return `cannot reach ${host}: ${cause.message ?? cause.code}`
  }
}

async function readLimited(response: Response, file: GbfsFile, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw new FeedError(file, `the answer is ${declared} bytes, more than the ${maxBytes} allowed`)
  }
  if (!response.body) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength
    if (total > maxBytes) {
      throw new FeedError(file, `the answer is larger than the ${maxBytes} bytes allowed`)
    }
    chunks.push(chunk)
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks))
}

/**
 * Conditional GET (If-None-Match / If-Modified-Since): a feed that has not changed answers 304
 * and costs neither side a parse. Bodies are bounded in time and size.
 */
export function httpFetcher(options: HttpFetcherOptions = {}): FetchFile {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES
  return async (file, url, validators, signal) => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `bay-wheels-balancer/${APP_VERSION}`,
    }
    if (validators?.etag) headers['if-none-match'] = validators.etag
    if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified
    const timeout = AbortSignal.timeout(timeoutMs)
    const combined = AbortSignal.any([signal, timeout])
    try {
      const response = await fetch(url, { headers, signal: combined, redirect: 'follow' })
      if (response.status === 304) {
        await response.body?.cancel()
        return { kind: 'not_modified', status: 304 }
      }
      if (!response.ok) {
        await response.body?.cancel()
        const text = response.statusText ? ` ${response.statusText}` : ''
        throw new FeedError(file, `HTTP ${response.status}${text} from ${url}`, response.status)
      }
      const text = await readLimited(response, file, maxBytes)
      return {
        kind: 'body',
        status: response.status,
        text,
        validators: {
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
        },
      }
    } catch (error) {
      if (signal.aborted) throw error
      if (error instanceof FeedError) throw error
      if (timeout.aborted) {
        throw new FeedError(
          file,
          `no complete answer from ${new URL(url).host} within ${timeoutMs / 1000} s`,
        )
      }
      throw new FeedError(file, describeNetworkError(url, error), null, { cause: error })
    }
  }
}
