import { createHash } from 'node:crypto'

/**
 * Per-address budget for wrong tokens, spent BEFORE the database is asked. Without it every
 * guess cost a database look-up, and the general per-address limit (300 a minute) let 300 through
 * before it answered 429, to GET /health and GET / as well. 30 wrong tokens a minute is far more
 * than a person mistyping one, and a guesser of 256-bit tokens gets nowhere at that pace.
 *
 * Crews share the depot's one address: a token that was verified from anywhere in the last hour
 * is still looked up when its address is over budget, so one bad device cannot lock out the van
 * beside it. Only digests are kept (a SHA-256 of the token, salted per process), never a token.
 */
export interface FailedAuthGuard {
  readonly perMinute: number
  /** Seconds until the address may try an unknown token again, or 0 when it may now. */
  blockedFor(address: string, token: string): number
  failed(address: string): void
  verified(token: string): void
}

const WINDOW_MS = 60_000
const KNOWN_MS = 60 * 60_000
// Bounds on memory under a flood of addresses or tokens: past them the oldest entries go.
const MAX_ADDRESSES = 10_000
const MAX_KNOWN = 10_000

export function failedAuthGuard(perMinute: number, now: () => number = Date.now): FailedAuthGuard {
  const windows = new Map<string, { count: number; resetAt: number }>()
  const known = new Map<string, number>()
  const salt = createHash('sha256').update(String(Math.random())).digest()
  const digest = (token: string) => createHash('sha256').update(salt).update(token).digest('base64')

  function windowOf(address: string) {
    const at = now()
    let window = windows.get(address)
    if (!window || window.resetAt <= at) {
      windows.delete(address)
      if (windows.size >= MAX_ADDRESSES) {
        const oldest = windows.keys().next().value
        if (oldest !== undefined) windows.delete(oldest)
      }
      window = { count: 0, resetAt: at + WINDOW_MS }
      windows.set(address, window)
    }
    return window
  }

  return {
    perMinute,
    blockedFor(address, token) {
      const window = windowOf(address)
      if (window.count < perMinute) return 0
      const seen = known.get(digest(token))
      if (seen !== undefined && seen + KNOWN_MS > now()) return 0
      return Math.max(1, Math.ceil((window.resetAt - now()) / 1000))
    },
    failed(address) {
      windowOf(address).count += 1
    },
    verified(token) {
      const key = digest(token)
      known.delete(key)
      if (known.size >= MAX_KNOWN) {
        const oldest = known.keys().next().value
        if (oldest !== undefined) known.delete(oldest)
      }
      known.set(key, now())
    },
  }
}
