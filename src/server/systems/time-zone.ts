import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'

/** Whatever the schema says a system's zone is when nobody told it (0001: systems.timezone). */
export const DEFAULT_TIME_ZONE = 'America/Los_Angeles'

/** A date and a time to the second on a 24-hour clock: with a zone, an instant on a system's clock. */
export const CLOCK_FORMAT = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
} as const satisfies Intl.DateTimeFormatOptions

/** A zone given for a system, refused before anything is written if PostgreSQL does not know it. */
export async function checkTimeZone(db: Database, timeZone: string): Promise<void> {
  try {
    await sql`select now() at time zone ${timeZone}`.execute(db)
  } catch (error) {
    if ((error as { code?: string }).code === '22023') {
      throw new ServiceError(
        'invalid',
        'unknown_time_zone',
        `unknown time zone "${timeZone}": give an IANA zone such as America/Los_Angeles`,
      )
    }
    throw error
  }
}
