/**
 * An API answer that was not a success: its words, its HTTP status (0 over IPC), its machine code
 * and every field of the error's body (`fits_qty`, ...), the same from IPC and from HTTP.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** A whole number field of a refusal (`fits_qty`), or null when it has none. */
export function errorNumber(error: unknown, field: string): number | null {
  const value = error instanceof ApiError ? error.fields[field] : undefined
  return typeof value === 'number' && Number.isInteger(value) ? value : null
}
