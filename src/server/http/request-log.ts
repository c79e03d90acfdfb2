import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import { pinoHttp } from 'pino-http'
import type { Actor } from '../auth/actor.js'
import type { Logger } from '../logger.js'

/**
 * One short line per request: method, path, status, time, request id and who asked (the token's
 * id, role and name, never the token). pino-http's default wrote every request and response
 * header, about 1.3 kB a line (1,473 bytes for a phone's GET /health): 21 MB for 16,000
 * requests, ~190 MB a day for 50 crews sending a heartbeat every 30 s. This line is 174 bytes
 * for the same request (test/unit/http-request-log.test.ts). Errors logged while handling a
 * request (`req.log`) carry its request id only.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id']
      const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID()
      res.setHeader('X-Request-Id', id)
      return id
    },
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessObject: (req, res, value: { responseTime: number }) =>
      requestLine(req, res, value.responseTime),
    customErrorObject: (req, res, error, value: { responseTime: number }) => ({
      ...requestLine(req, res, value.responseTime),
      err: error,
    }),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
  })
}

function requestLine(req: IncomingMessage, res: ServerResponse, ms: number) {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? ''
  const queryAt = url.indexOf('?')
  return {
    method: req.method,
    // The path only: a query can be long (a CSV export's filters) and says little at a glance.
    path: queryAt >= 0 ? url.slice(0, queryAt) : url,
    status: res.statusCode,
    ms,
    actor: actorOf(res),
  }
}

function actorOf(res: ServerResponse): string | undefined {
  const actor = (res as { locals?: { actor?: Actor | null } }).locals?.actor
  if (!actor) return undefined
  return actor.tokenId === null
    ? `${actor.role} ${actor.name}`
    : `${actor.role} ${actor.name} (token ${actor.tokenId})`
}
