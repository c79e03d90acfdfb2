import { FeedError } from './feed-error.js'
import type { GbfsFile } from './types.js'
import type { WarningCollector } from './warnings.js'

/**
 * Id fields some feeds send as JSON numbers (Bicing's station_id, Ford GoBike's region_id). Parsed
 * as numbers they would lose leading zeros, trailing decimals ("5065.10") and, past 2^53, digits
 * (Bay Wheels has 19-digit ids), so the digits are quoted before parsing and kept exactly as sent.
 */
const ID_KEYS = 'station_id|region_id|legacy_id|external_id|short_name'
const NUMERIC_ID = new RegExp(
  `(?<!\\\\)("(?:${ID_KEYS})"\\s*:\\s*)(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)(?=\\s*[,}\\]])`,
  'g',
)
const HAS_NUMERIC_ID = new RegExp(`"(?:${ID_KEYS})"\\s*:\\s*-?\\d`)

/** A GBFS document: an object with a `data` object (anything else is not a GBFS file). */
export interface GbfsDocument {
  data: Record<string, unknown>
  last_updated?: unknown
  ttl?: unknown
  version?: unknown
  [key: string]: unknown
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Parses one file's text. Text that is not JSON (a truncated body, an HTML error page) and JSON
 * that is not a GBFS document are errors: the poll stops and nothing of it is written.
 */
export function parseGbfsJson(
  file: GbfsFile,
  text: string,
  warnings: WarningCollector,
): GbfsDocument {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (body.trim() === '') throw new FeedError(file, 'the response was empty')
  let source = body
  if (HAS_NUMERIC_ID.test(body)) {
    const keys = new Set<string>()
    let count = 0
    let example: string | undefined
    source = body.replace(NUMERIC_ID, (_match, prefix: string, digits: string) => {
      count += 1
      keys.add(/"([a-z_]+)"/.exec(prefix)?.[1] ?? 'id')
      example ??= `${prefix.replace(/\s+/g, '')}${digits}`
      return `${prefix}"${digits}"`
    })
    if (count > 0) {
      warnings.add(
        file,
        'numeric_id',
        `${[...keys].sort().join(', ')} sent as JSON numbers, not strings; kept as the digits sent`,
        example,
        count,
      )
    }
  }
  let json: unknown
  try {
    json = JSON.parse(source)
  } catch (error) {
    const bytes = Buffer.byteLength(body)
    throw new FeedError(
      file,
      `not valid JSON (${(error as Error).message}; ${bytes} bytes received)`,
      null,
      { cause: error },
    )
  }
  if (!isRecord(json) || !isRecord(json.data)) {
    throw new FeedError(file, 'not a GBFS document: it has no "data" object')
  }
  return json as GbfsDocument
}
