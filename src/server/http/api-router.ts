import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { ROLES, type Role } from '../../shared/dispatch.js'
import type { HttpRoute, OperationSpec } from '../../shared/operations/index.js'
import { describeActor, type Actor } from '../auth/actor.js'
import { HttpError } from './errors.js'

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

type Schema = z.ZodType

export interface EndpointSpec {
  method: Method
  /** OpenAPI style: `/task/{task_id}/complete`. */
  path: string
  summary: string
  description?: string
  tag: string
  /** Who may call it: anyone, or holders of a token of one of these roles. */
  access: 'public' | readonly Role[]
  params?: Schema
  query?: Schema
  body?: Schema
  /** The success answer: a JSON schema, or `null` for an answer the handler writes itself. */
  response: Schema | null
  status?: number
  responseDescription?: string
  /** Other content types the success answer may take (e.g. text/csv). */
  alsoProduces?: readonly string[]
  /** Error statuses worth documenting besides 400/401/403/429. */
  errors?: readonly number[]
  /** The declared operation this route serves (src/shared/operations/). */
  operation?: string
  /** Takes an Idempotency-Key header (src/server/http/idempotency.ts); documented in OpenAPI. */
  idempotent?: boolean
}

type Output<S> = S extends Schema ? z.output<S> : undefined

export interface Context<S extends EndpointSpec, A> {
  params: Output<S['params']>
  query: Output<S['query']>
  body: Output<S['body']>
  actor: A
  req: Request
  res: Response
}

/** What a handler returns is sent as JSON; `undefined` means it answered itself. */
type Handler<S extends EndpointSpec, A> = (ctx: Context<S, A>) => unknown

const MAX_ISSUES = 3

/** "body.worker_id: must be 1-64 letters ...": the field first, so a person sees what to fix. */
export function describeIssues(location: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const field = [location, ...issue.path.map(String)].join('.')
    let message = issue.message
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    } else if (issue.code === 'invalid_type' && message.endsWith('received undefined')) {
      message = 'is required'
    } else if (issue.code === 'invalid_type' && message.startsWith('Invalid input: expected')) {
      message = message.replace('Invalid input: expected', 'must be')
    }
    return `${field}: ${message}`
  })
  const more = error.issues.length - MAX_ISSUES
  return parts.join('; ') + (more > 0 ? `; and ${more} more` : '')
}

function parse<S extends Schema>(schema: S, value: unknown, location: string): z.output<S> {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new HttpError(400, 'invalid_request', describeIssues(location, result.error))
  }
  return result.data
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** The actor of a request, set by the authentication middleware. */
export function requestActor(res: Response): Actor | null {
  return (res.locals as { actor?: Actor | null }).actor ?? null
}

const ROLE_WORDS: Record<Role, string> = {
  crew: 'a crew',
  dispatcher: 'a dispatcher',
  analyst: 'an analyst',
  engine: 'an engine',
}

function checkAccess(spec: EndpointSpec, actor: Actor | null): void {
  if (spec.access === 'public') return
  const access = spec.access
  // Always in one order (ROLES'), whichever order a role list has.
  const allowed = ROLES.filter((role) => access.includes(role))
    .map((role) => ROLE_WORDS[role])
    .join(' or ')
  if (!actor) {
    throw new HttpError(
      401,
      'unauthenticated',
      `${spec.method.toUpperCase()} ${spec.path} needs ${allowed} token: send "Authorization: Bearer <token>" (balancer token create)`,
    )
  }
  if (!spec.access.includes(actor.role)) {
    throw new HttpError(
      403,
      'forbidden',
      `${spec.method.toUpperCase()} ${spec.path} needs ${allowed} token; ${describeActor(actor)} has ${ROLE_WORDS[actor.role]} token`,
    )
  }
}

/**
 * An Express router whose every route is declared once: the declaration validates the request
 * (400 naming the field, before any handler runs, so a malformed request changes nothing), checks
 * the caller's role, and is what the OpenAPI document is generated from.
 */
export class ApiRouter {
  readonly router = Router()
  readonly endpoints: EndpointSpec[] = []

  /** A route for token holders of the spec's roles: the handler always has an actor. */
  endpoint<S extends EndpointSpec & { access: readonly Role[] }>(
    spec: S,
    handler: Handler<S, Actor>,
  ): this {
    return this.add(spec, handler as Handler<S, Actor | null>)
  }

  /**
   * The route of a declared operation (src/shared/operations/): its method, path, roles, schemas
   * and words all come from the declaration; `handler` gets the parsed parts.
   */
  operation(
    op: OperationSpec & { route: HttpRoute },
    handler: Handler<EndpointSpec, Actor | null>,
  ): this {
    const { route } = op
    // A public operation's handler may have no actor; every other one always has.
    return this.add(
      {
        method: route.method,
        path: route.path,
        summary: op.summary,
        description: op.description,
        tag: route.tag,
        access: op.roles,
        params: route.params,
        query: route.query,
        body: route.body,
        response: op.output,
        status: route.status,
        responseDescription: route.responseDescription,
        alsoProduces: route.alsoProduces,
        errors: route.errors,
        idempotent: route.idempotent,
        operation: op.name,
      },
      handler,
    )
  }

  /** A route anyone may call; a valid token still identifies the caller. */
  publicEndpoint<S extends EndpointSpec & { access: 'public' }>(
    spec: S,
    handler: Handler<S, Actor | null>,
  ): this {
    return this.add(spec, handler)
  }

  private add<S extends EndpointSpec>(spec: S, handler: Handler<S, Actor | null>): this {
    this.endpoints.push(spec)
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1')
    this.router[spec.method](expressPath, async (req, res) => {
      res.locals.route = spec.path
      const actor = requestActor(res)
      checkAccess(spec, actor)
      if (spec.body && req.body === undefined && hasBody(req)) {
        // Parsed as nothing, it would read as an empty body and a claim would go ahead.
        throw new HttpError(
          415,
          'unsupported_media_type',
          'body: send JSON with "Content-Type: application/json"',
        )
      }
      const ctx = {
        params: spec.params ? parse(spec.params, req.params, 'path') : undefined,
        query: spec.query ? parse(spec.query, req.query, 'query') : undefined,
        // The seed's crews POST without a body (complete): no body reads as an empty object.
        body: spec.body ? parse(spec.body, req.body ?? {}, 'body') : undefined,
        actor,
        req,
        res,
      } as Context<S, Actor | null>
      const result = await handler(ctx)
      if (result === undefined) return
      res.status(spec.status ?? 200).json(result)
    })
    return this
  }
}
