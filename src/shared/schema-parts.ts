import { z } from 'zod'

/**
 * Small request pieces several capabilities' schemas are made of, so that a system id or a count
 * in a query string is checked, and named in an error, the same way on every route.
 */

/** Text that must say something: trimmed, at most `max` characters. */
export const nonEmptyText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max)

/** A system's or a station's id as a request names it. */
export const systemIdText = nonEmptyText(128)
export const stationIdText = nonEmptyText(128)

/** A whole number sent as query-string digits (at most `digits` of them). */
export const digitsParam = (digits: number) =>
  z
    .string()
    .regex(new RegExp(`^\\d{1,${digits}}$`), 'must be a whole number')
    .transform(Number)

/** How many to answer, from the query string: 1 to `max`. */
export const limitParam = (digits: number, max: number) =>
  digitsParam(digits).pipe(z.int().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
