import type { AppStatus, DatabaseStatus } from '../../src/shared/contract'

export const UNREACHABLE_DETAIL =
  'database at 127.0.0.1:54321/balancer is unreachable: connect ECONNREFUSED 127.0.0.1:54321'

/** What `app:status` and GET /health describe, reachable or not, with any field overridden. */
export function appStatus(
  reachable = true,
  database: Partial<DatabaseStatus> = {},
  rest: Partial<Omit<AppStatus, 'database'>> = {},
): AppStatus {
  return {
    version: '0.1.0',
    apiUrl: 'http://127.0.0.1:8000',
    checkedAt: '2025-06-03T14:03:22.000Z',
    ...rest,
    database: {
      mode: 'embedded',
      location: '127.0.0.1:54321/balancer',
      reachable,
      serverVersion: reachable ? '17.6' : null,
      postgis: false,
      detail: reachable ? null : UNREACHABLE_DETAIL,
      ...database,
    },
  }
}
