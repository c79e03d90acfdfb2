import type { RequestHandler } from 'express'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import type { Actor } from '../auth/actor.js'
import type { AuthService } from '../auth/auth.service.js'
import { HttpError } from './errors.js'
import { requestActor } from './api-router.js'

interface AuthLocals {
  actor?: Actor | null
  authFailure?: string
}

/**
 * Reads `Authorization: Bearer <token>` into `res.locals.actor`. A missing header is anonymous
 * (public routes answer it); a bad one is remembered and refused only after the rate limiter has
 * counted it against the caller's address, so guessing tokens is throttled.
 */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const locals = res.locals as AuthLocals
    locals.actor = null
    const header = req.headers.authorization
    if (header === undefined) {
      next()
      return
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match?.[1]) {
      locals.authFailure = 'Authorization: must be "Bearer <token>"'
      next()
      return
    }
    const actor = await auth.authenticate(match[1])
    if (actor) {
      locals.actor = { ...actor, requestId: typeof req.id === 'string' ? req.id : undefined }
    } else {
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
}

/**
 * Two budgets: a token's own, and an address's for everything unauthenticated. 64 crews behind
 * the depot's one NAT address each spend their own token's budget, never each other's.
 */
export function rateLimiter(limits: RateLimits): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
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
