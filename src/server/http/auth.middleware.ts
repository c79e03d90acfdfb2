import type { Request, RequestHandler } from 'express'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import type { Actor } from '../auth/actor.js'
import type { AuthService } from '../auth/auth.service.js'
import { HttpError } from './errors.js'
import { requestActor } from './api-router.js'
import type { FailedAuthGuard } from './failed-auth.guard.js'

interface AuthLocals {
  actor?: Actor | null
  authFailure?: string
}

/**
 * Reads `Authorization: Bearer <token>` into `res.locals.actor`. A missing header is anonymous
 * (public routes answer it); a bad one is remembered and refused only after the rate limiter has
 * counted it against the caller's address, so guessing tokens is throttled. With a `guard`, an
 * address that sent too many wrong tokens gets 429 before its next unknown token reaches the
 * database.
 */
export function authenticate(
  auth: AuthService,
  guard: FailedAuthGuard | null = null,
): RequestHandler {
  return async (req, res, next) => {
    const locals = res.locals as AuthLocals
    locals.actor = null
    const header = req.headers.authorization
    if (header === undefined) {
      next()
      return
    }
    const address = ipKeyGenerator(req.ip ?? 'unknown')
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match?.[1]) {
      locals.authFailure = 'Authorization: must be "Bearer <token>"'
      guard?.failed(address)
      next()
      return
    }
    const token = match[1]
    const wait = guard?.blockedFor(address, token) ?? 0
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait))
      next(
        new HttpError(
          429,
          'rate_limited',
          `too many wrong tokens from this address (over ${guard?.perMinute ?? 0} a minute); try again in ${wait} s`,
        ),
      )
      return
    }
    const actor = await auth.authenticate(token)
    if (actor) {
      guard?.verified(token)
      locals.actor = { ...actor, requestId: typeof req.id === 'string' ? req.id : undefined }
    } else {
      guard?.failed(address)
      locals.authFailure = 'Authorization: the token is unknown or revoked'
    }
    next()
  }
}

export const rejectFailedAuth: RequestHandler = (_req, res, next) => {
  const failure = (res.locals as AuthLocals).authFailure
  next(failure ? new HttpError(401, 'unauthenticated', failure) : undefined)
}

export interface RateLimits {
  /** Requests per minute for each token: a crew device, however many share an address. */
  perToken: number
  /** Requests per minute for each address without a valid token (incl. failed tokens). */
  perAddress: number
  /** Wrong tokens per minute for each address before it is refused unasked (default 30). */
  failedAuthPerAddress?: number
}

/** What stays answerable when an address is over its budget: a load balancer's and the seed's check. */
function isPublicCheck(req: Request): boolean {
  return req.method === 'GET' && (req.path === '/health' || req.path === '/')
}

/**
 * Two budgets: a token's own, and an address's for everything unauthenticated. 64 crews behind
 * the depot's one NAT address each spend their own token's budget, never each other's.
 */
export function rateLimiter(limits: RateLimits): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    // Cheap, public and what monitoring polls: never counted, never refused by this limiter.
    skip: (req, res) => isPublicCheck(req) && !requestActor(res),
    limit: (_req, res) => (requestActor(res) ? limits.perToken : limits.perAddress),
    keyGenerator: (req, res) => {
      const actor = requestActor(res)
      return actor?.tokenId != null
        ? `token:${actor.tokenId}`
        : `address:${ipKeyGenerator(req.ip ?? 'unknown')}`
    },
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res, next) => {
      const actor = requestActor(res)
      next(
        new HttpError(
          429,
          'rate_limited',
          actor
            ? `too many requests for token "${actor.name}" (over ${limits.perToken} a minute); slow down`
            : `too many requests without a valid token from this address (over ${limits.perAddress} a minute)`,
        ),
      )
    },
  })
}
