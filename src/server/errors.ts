import type { ErrorExtra } from '../shared/contract.js'

/**
 * An error's message in words, for a person: the console, GET /health and the command line all
 * show errors through this. `pg` rejects a refused connection to
 * `localhost` with an AggregateError (one error per address tried) whose own message is empty.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const inner = error.errors.map(describeError).filter(Boolean)
    if (inner.length > 0) return [...new Set(inner)].join('; ')
  }
  if (error instanceof Error) {
    if (error.message) return error.message
    const code = (error as NodeJS.ErrnoException).code
    return code ?? error.name
  }
  return String(error)
}

/** A machine-readable code: Node's own (`ECONNREFUSED`) when the error carries one. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code !== '' ? code : 'internal'
}

/** The fields beside `detail` and `code` a service failure carries (none for any other error). */
export function errorExtra(error: unknown): ErrorExtra {
  return error instanceof ServiceError ? error.extra : {}
}

/** What went wrong, in terms every edge maps to its own: HTTP statuses, IPC failures, CLI lines. */
export type ServiceErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'unavailable'
  /** A server this one relies on (a map tile server) failed: a 502. */
  | 'upstream'

/**
 * A failure of a use case that the caller can act on: a missing task, a task in the wrong state,
 * a crew acting on another crew's task. `detail` is written for the person who will read it;
 * `extra` holds more facts a program can act on (`{fits_qty: 5}`), sent beside `detail` and `code`
 * on every edge.
 */
export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    readonly code: string,
    readonly detail: string,
    readonly extra: ErrorExtra = {},
  ) {
    super(detail)
    this.name = 'ServiceError'
  }
}

/** A station page or series asked of a station the system does not have: 404. */
export function unknownStation(systemId: string, stationId: string): ServiceError {
  return new ServiceError(
    'not_found',
    'unknown_station',
    `no station "${stationId}" in system ${systemId}`,
  )
}

/** The answer's body for a service failure: `{detail, code, ...extra}` (HTTP and IPC alike). */
export function errorBody(
  error: ServiceError,
): { detail: string; code: string } & Record<string, unknown> {
  const more = Object.entries(error.extra).filter(([key]) => key !== 'detail' && key !== 'code')
  return { detail: error.detail, code: error.code, ...Object.fromEntries(more) }
}
