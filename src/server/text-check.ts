/**
 * Text PostgreSQL cannot store: a NUL byte ("invalid byte sequence for encoding UTF8: 0x00") or a
 * lone UTF-16 surrogate (`\ud800`, which has no UTF-8 form). Both answered 500 from deep inside
 * the database; they are refused where text comes in instead (src/server/http/bad-bytes.middleware.ts).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** What is wrong with `text`, or null when PostgreSQL can store it. */
export function badText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL byte'
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)'
  return null
}
