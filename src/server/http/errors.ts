import type { ErrorRequestHandler, RequestHandler } from 'express'

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
    res.status(error.status).json({ detail: error.detail, code: error.code })
    return
  }
  const parserError = error as BodyParserError
  if (parserError.expose && parserError.status && parserError.status < 500) {
    // body-parser errors: malformed JSON, too large, wrong charset.
    const code = parserError.type === 'entity.too.large' ? 'body_too_large' : 'malformed_body'
    res.status(parserError.status).json({ detail: parserError.message, code })
    return
  }
  req.log.error({ err: error }, 'unhandled error')
  res
    .status(500)
    .json({ detail: 'internal error; the server log has the details', code: 'internal' })
}
