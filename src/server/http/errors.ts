import type { ErrorRequestHandler, RequestHandler } from 'express'
import { describeError, errorBody, ServiceError, type ServiceErrorKind } from '../errors.js'

/** How each kind of service failure is answered over HTTP. */
export const STATUS_OF: Record<ServiceErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  upstream: 502,
}

/** One error type for every failure a client can act on; rendered as the seed's `{detail}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail)
    this.name = 'HttpError'
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`))
}

interface BodyParserError {
  type?: string
  status?: number
  expose?: boolean
  message: string
}

/** Turns anything thrown into `{"detail", "code"}`; a stack trace never reaches a client. */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (error instanceof HttpError) {
    if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer')
    res.status(error.status).json({ detail: error.detail, code: error.code })
    return
  }
  if (error instanceof ServiceError) {
    res.status(STATUS_OF[error.kind]).json(errorBody(error))
    return
  }
  const parserError = error as BodyParserError
  if (parserError.expose && parserError.status && parserError.status < 500) {
    // body-parser errors: malformed JSON, too large, wrong charset.
    const [code, detail] =
      parserError.type === 'entity.too.large'
        ? ['body_too_large', 'body: is larger than this API accepts (64 kB)']
        : parserError.type === 'entity.parse.failed'
          ? ['malformed_body', `body: is not valid JSON (${parserError.message})`]
          : ['malformed_body', `body: ${parserError.message}`]
    res.status(parserError.status).json({ detail, code })
    return
  }
  if (isDatabaseUnavailable(error)) {
    req.log.warn({ err: error }, 'database unavailable')
    res.setHeader('Retry-After', '5')
    res.status(503).json({
      detail: `the database is unavailable (${describeError(error)}); try again shortly`,
      code: 'database_unavailable',
    })
    return
  }
  req.log.error({ err: error }, 'unhandled error')
  res
    .status(500)
    .json({ detail: 'internal error; the server log has the details', code: 'internal' })
}

// Connection refused or reset, the server shutting down or out of connections, a pool that
// waited too long, a statement cancelled at its time limit (57014) or a session ended by it
// (25P03, 57P05): worth a retry, not a 500.
const UNAVAILABLE_CODES = new Set([
  '57014',
  '25P03',
  '57P05',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08006',
])

function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable)
  if (!(error instanceof Error)) return false
  const code = (error as NodeJS.ErrnoException).code
  return (
    (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
    // pg's words for a connection lost before, during or after a statement, or never made.
    /timeout exceeded when trying to connect|Connection terminated|not queryable|timeout expired|did not answer|Query read timeout/i.test(
      error.message,
    )
  )
}
