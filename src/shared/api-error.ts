import type { ErrorExtra } from './contract.js'

/**
 * An API answer that was not a success: its words, its HTTP status (0 over IPC), its machine code
 * and every field of the error's body (`fits_qty`, ...), the same from IPC and from HTTP.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    /** Every field of the refusal beside its words (`fits_qty` of `move_does_not_fit`). */
    readonly extra: ErrorExtra = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/**
 * The bikes a refused move could still move (`move_does_not_fit`'s `fits_qty`), on either edge;
 * null for any other failure.
 */
export function fitsQtyOf(error: unknown): number | null {
  const value = error instanceof ApiError ? error.extra.fits_qty : undefined
  return typeof value === 'number' && Number.isInteger(value) ? value : null
}

/** An error body's fields as an ErrorExtra: all kept, `fits_qty` only when it is a number. */
export function extraOf(body: Readonly<Record<string, unknown>>): ErrorExtra {
  const { fits_qty: fits, ...rest } = body
  return typeof fits === 'number' ? { ...rest, fits_qty: fits } : rest
}
