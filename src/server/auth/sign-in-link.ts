import { randomBytes, timingSafeEqual } from 'node:crypto'
import { ServiceError } from '../errors.js'
import { CONSOLE_PATH } from '../http/console.routes.js'
import type { Actor } from './actor.js'
import type { AuthService, CreatedToken } from './auth.service.js'
import { hashToken } from './tokens.js'

/** How long a printed sign-in link works if nobody follows it. */
export const SIGN_IN_CODE_MS = 15 * 60_000

/** The token the link makes: the depot's first dispatcher, revocable in Crews like any other. */
export const FIRST_DISPATCHER_NAME = 'First dispatcher'

/** Who made that token, in the audit log. */
const SIGN_IN_ACTOR: Actor = {
  name: 'sign-in link',
  role: 'dispatcher',
  crewId: null,
  tokenId: null,
}

/**
 * `npm start` to the console in one click (as Jupyter does): when `serve` starts on a database
 * with no dispatcher token, it prints a link to the console carrying a one-time code; following it
 * trades the code for a new dispatcher token, which the browser keeps as if it had been pasted.
 * One code at a time, kept in this process only and only as its digest; it works once, within
 * 15 minutes, and not at all once a dispatcher token exists (someone signed in another way).
 */
export interface SignInLinks {
  /** A new code (the previous one stops working), or null when a dispatcher token exists. */
  issue(): Promise<string | null>
  /** The new dispatcher token for a code that is known, unused and not expired. */
  redeem(code: string, requestId?: string): Promise<CreatedToken>
}

export function createSignInLinks(
  auth: Pick<AuthService, 'createToken' | 'listTokens'>,
  { now = Date.now, ttlMs = SIGN_IN_CODE_MS }: { now?: () => number; ttlMs?: number } = {},
): SignInLinks {
  let current: { digest: Buffer; until: number } | null = null

  const hasDispatcher = async () =>
    (await auth.listTokens()).some((token) => token.role === 'dispatcher')

  return {
    async issue() {
      current = null
      if (await hasDispatcher()) return null
      // 128 random bits, in the URL's fragment: never sent in a request line, so never logged.
      const code = randomBytes(16).toString('base64url')
      current = { digest: hashToken(code), until: now() + ttlMs }
      return code
    },

    async redeem(code, requestId) {
      const held = current
      const digest = hashToken(code)
      if (!held || !timingSafeEqual(held.digest, digest) || now() > held.until) {
        throw new ServiceError(
          'not_found',
          'sign_in_code_unknown',
          'this sign-in link was used already or is more than 15 minutes old: sign in with a token (`balancer token create --role dispatcher --name "..."` on the server)',
        )
      }
      // Used: a second click, a copied link, or a race of two tabs gets the words above.
      current = null
      if (await hasDispatcher()) {
        throw new ServiceError(
          'conflict',
          'dispatcher_exists',
          'a dispatcher token exists already, so the sign-in link is off: sign in with a token',
        )
      }
      return auth.createToken(
        { name: FIRST_DISPATCHER_NAME, role: 'dispatcher' },
        { ...SIGN_IN_ACTOR, ...(requestId ? { requestId } : {}) },
      )
    },
  }
}

/** Where the console reads the code: the URL's fragment (`#sign-in=`), which no request carries. */
export const SIGN_IN_FRAGMENT = 'sign-in='

/** The link `serve` prints: the console, with the code in its fragment. */
export function signInLink(serverUrl: string, code: string): string {
  return `${serverUrl.replace(/\/+$/, '')}${CONSOLE_PATH}#${SIGN_IN_FRAGMENT}${code}`
}

/** What `serve` prints about it, to stdout only (never to the log). */
export function signInLinkText(serverUrl: string, code: string): string {
  return `No dispatcher token yet. Open this link to sign in as the depot's first dispatcher (works once, for 15 minutes):\n  ${signInLink(serverUrl, code)}\n`
}
