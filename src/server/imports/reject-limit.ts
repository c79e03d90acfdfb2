import { ServiceError } from '../errors.js'

/**
 * How many bad rows a file may have before it is refused rather than imported without them:
 * a count, or a share of its rows with a floor (so that a 49-row sample with one bad row still
 * imports under the default).
 */
export type RejectLimit = { count: number } | { percent: number; atLeast: number }

export const DEFAULT_REJECT_LIMIT: RejectLimit = { percent: 1, atLeast: 10 }

export function allowedRejections(limit: RejectLimit, rows: number): number {
  return 'count' in limit
    ? limit.count
    : Math.max(limit.atLeast, Math.floor((limit.percent / 100) * rows))
}

/** `--max-rejected` as given: "250" rows or "2%" of them. */
export function parseRejectLimit(value: string | undefined): RejectLimit {
  if (value === undefined) return DEFAULT_REJECT_LIMIT
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)
  if (percent?.[1]) return { percent: Number(percent[1]), atLeast: 0 }
  if (/^\s*\d+\s*$/.test(value)) return { count: Number(value) }
  throw new ServiceError(
    'invalid',
    'invalid_max_rejected',
    `max rejected must be a number of rows ("250") or a share ("2%"), not "${value}"`,
  )
}

/**
 * The refusal of a file with more bad rows than `limit` allows, quoting the first of them; null
 * for a file within it.
 */
export function tooManyRejected(
  fileName: string,
  rows: { read: number; rejected: number; first: { line: number; reason: string }[] },
  limit: RejectLimit = DEFAULT_REJECT_LIMIT,
): string | null {
  const allowed = allowedRejections(limit, rows.read)
  if (rows.rejected <= allowed) return null
  const quoted = rows.first.map((r) => `line ${r.line}: ${r.reason}`).join('; ')
  return `${fileName}: ${rows.rejected} of ${rows.read} rows are bad (more than the ${allowed} allowed), so nothing was imported; ${quoted}`
}
