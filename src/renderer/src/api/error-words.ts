/**
 * The server names a bad field as a program does ("body.van_capacity: must be number, received
 * null"; over IPC "tasks:create: input.quantity: ..."); a person is shown it in words ("Van
 * capacity must be a number"). Both clients (HTTP and the desktop's bridge) pass every error's
 * words through `inWords`, so no view shows the raw form. Anything else is left as it came.
 */

const LOCATIONS = 'body|query|params|input'
/** One issue of `describeIssues`: where, which field, what is wrong with it. */
const ISSUE = new RegExp(
  `^(?:[a-z][a-z-]*:[a-z][a-zA-Z]*: )?(${LOCATIONS})((?:\\.[^.:\\s]+)*): (.+)$`,
)

const ACRONYMS: Record<string, string> = {
  id: 'ID',
  ids: 'IDs',
  url: 'URL',
  urls: 'URLs',
  api: 'API',
  gbfs: 'GBFS',
  tls: 'TLS',
  csv: 'CSV',
}

const TYPES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a set of fields',
  date: 'a date',
}

/** `van_capacity` → `van capacity`, `systemId` → `system ID`. */
function words(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word.toLowerCase())
    .join(' ')
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** `.feeds.0.url` → `feeds 1 URL` (a list's entries counted from 1, as people count). */
function fieldName(path: string): string {
  return path
    .split('.')
    .filter(Boolean)
    .map((segment) => (/^\d+$/.test(segment) ? String(Number(segment) + 1) : words(segment)))
    .join(' ')
}

/** `number` → `a number`. */
function typeWords(name = ''): string {
  return TYPES[name] ?? name
}

/** `at least 1 characters` → `at least 1 character`. */
function bound(comparison: string, limit = '', unit = ''): string {
  const units = limit === '1' ? unit.replace(/s$/, '') : unit
  return `must be ${comparison} ${limit}${units ? ` ${units}` : ''}`
}

/** What is wrong, in words: `must be number, received null` → `must be a number`. */
function problem(message: string): string {
  const type = /^(?:must be|Invalid input: expected) (\w+)(?:, received \w+)?$/.exec(message)
  if (type) return `must be ${typeWords(type[1])}`
  const small = /^Too small: expected \w+ to (?:be|have) >(=?)([\d.]+)(?: (\w+))?$/.exec(message)
  if (small) {
    const [, equal = '', limit = '', unit = ''] = small
    if (unit && limit === '1' && equal)
      return unit === 'items' ? 'must not be empty' : 'is required'
    return bound(equal ? 'at least' : 'more than', limit, unit)
  }
  const big = /^Too big: expected \w+ to (?:be|have) <(=?)([\d.]+)(?: (\w+))?$/.exec(message)
  if (big) {
    const [, equal = '', limit = '', unit = ''] = big
    return bound(equal ? 'at most' : 'less than', limit, unit)
  }
  const option = /^Invalid option: expected one of (.+)$/.exec(message)
  if (option) return `must be one of ${(option[1] ?? '').replaceAll('"', '').split('|').join(', ')}`
  const literal = /^Invalid input: expected "(.+)"$/.exec(message)
  if (literal) return `must be ${literal[1] ?? ''}`
  const format = /^Invalid (.+)$/.exec(message)
  if (format) return `is not a valid ${(format[1] ?? '').replace(/^ISO /, '')}`
  return message
}

/** One issue in words, or null when it is not a field's issue. */
function issueInWords(part: string): string | null {
  const match = ISSUE.exec(part)
  if (!match) return null
  const [, , path = '', message = ''] = match
  const unknown = /^unknown (fields?) (.+)$/.exec(message)
  if (unknown) return `Unknown ${unknown[1] ?? 'field'}: ${unknown[2] ?? ''}`
  const field = fieldName(path)
  return capitalised(`${field || 'the request'} ${problem(message)}`)
}

/** An error's words as a person should read them (see the top of this file). */
export function inWords(detail: string): string {
  const parts = detail.split('; ')
  const rewritten = parts.map((part) => (/^and \d+ more$/.test(part) ? part : issueInWords(part)))
  // Only a whole list of field issues is rewritten: other messages may hold "; " of their own.
  if (rewritten.some((part) => part === null)) return detail
  return rewritten.join('; ')
}
