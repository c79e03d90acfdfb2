import type { RequestHandler } from 'express'
import { badText } from '../text-check.js'
import { HttpError } from './errors.js'

/**
 * Text PostgreSQL cannot store (src/server/text-check.ts) is refused at the edge, before any
 * handler: a NUL byte or a lone surrogate in a crew's note, a release reason, a token name or a
 * `?station=` answered 500 from deep inside the database. One walk over the parsed body, the
 * query and the path turns each into a 400 naming the field, so no route can forget it.
 *
 * Headers need no walk: Node's HTTP parser refuses a NUL in a header with its own 400, and header
 * values are Latin-1 bytes, which cannot hold a surrogate.
 */

// A 64 kB JSON body nests at most ~32,000 levels; no request of this API nests more than 4. The
// bound keeps a hostile body from exhausting the stack.
const MAX_DEPTH = 64

function fieldName(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`
  return /^[\w$-]+$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`
}

/** The first bad string in `value`, as `field: problem`. */
export function findBadText(value: unknown, field: string, depth = 0): string | null {
  if (typeof value === 'string') {
    const problem = badText(value)
    return problem ? `${field}: ${problem}` : null
  }
  if (value === null || typeof value !== 'object') return null
  if (depth >= MAX_DEPTH) return `${field}: is nested deeper than ${MAX_DEPTH} levels`
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findBadText(item, fieldName(field, index), depth + 1)
      if (found) return found
    }
    return null
  }
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = badText(key)
    // The key is the bad text: it cannot be shown as a field name, so name its parent.
    if (keyProblem) return `${field}: a field name ${keyProblem}`
    const found = findBadText(item, fieldName(field, key), depth + 1)
    if (found) return found
  }
  return null
}

/** `/task/{id}/complete` -> a matcher naming its parameters, to name the field at fault. */
export interface PathTemplate {
  pattern: RegExp
  names: string[]
}

export function pathTemplate(path: string): PathTemplate {
  const names: string[] = []
  const source = path
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1]
      if (name) {
        names.push(name)
        return '([^/]+)'
      }
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    })
    .join('')
  return { pattern: new RegExp(`^${source}/?$`), names }
}

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

function pathProblem(path: string, templates: readonly PathTemplate[]): string | null {
  for (const template of templates) {
    const match = template.pattern.exec(path)
    if (!match) continue
    for (const [index, name] of template.names.entries()) {
      const value = decoded(match[index + 1] ?? '')
      if (value === null) return `path.${name}: is not valid percent-encoding`
      const problem = badText(value)
      if (problem) return `path.${name}: ${problem}`
    }
    return null
  }
  // No route has this path: the 404 says so, unless the path itself cannot be read.
  for (const segment of path.split('/')) {
    const value = decoded(segment)
    if (value === null) return 'path: is not valid percent-encoding'
    const problem = badText(value)
    if (problem) return `path: ${problem}`
  }
  return null
}

/**
 * Refuses a request whose path, query or JSON body holds text PostgreSQL cannot store, with a 400
 * `{detail: "body.note: contains a NUL byte", code: "invalid_text"}`. `paths` are the API's routes
 * in OpenAPI form, to name a path parameter.
 */
export function rejectBadText(paths: readonly string[]): RequestHandler {
  const templates = paths.map(pathTemplate)
  return (req, _res, next) => {
    const problem =
      pathProblem(req.path, templates) ??
      findBadText(req.query, 'query') ??
      findBadText(req.body, 'body')
    next(problem ? new HttpError(400, 'invalid_text', problem) : undefined)
  }
}
