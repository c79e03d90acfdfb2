import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { CHANNEL_ROUTES, type ChannelRoutes } from '../../shared/channel-routes.js'
import type { Channel } from '../../shared/contract.js'
import type { Role } from '../../shared/dispatch.js'
import { describeActor, type Actor } from '../auth/actor.js'
import {
  serviceFor,
  type OwnerOf,
  type ServedChannel,
  type ServiceFn,
} from '../channel-services.js'
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
  /** The console channel this route serves (src/shared/channel-routes.ts). */
  channel?: Channel
  /** Takes an Idempotency-Key header (src/server/http/idempotency.ts); documented in OpenAPI. */
  idempotent?: boolean
}

/** A channel with both a service function and an HTTP route. */
export type RoutedServedChannel = {
  [C in ServedChannel]: ChannelRoutes[C] extends { path: string } ? C : never
}[ServedChannel]

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
  const allowed = spec.access.map((role) => ROLE_WORDS[role]).join(' or ')
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
   * The route of a console channel: its method and path must be the ones CHANNEL_ROUTES gives the
   * channel (what the renderer's HTTP client requests), and the handler is handed the channel's
   * service function from CHANNEL_SERVICES, the same one main's IPC handler gets. See
   * src/server/channel-services.ts.
   */
  channelEndpoint<
    C extends RoutedServedChannel,
    S extends EndpointSpec & { access: readonly Role[] } & ChannelRoutes[C],
  >(
    channel: C,
    owner: NoInfer<OwnerOf<C>>,
    spec: S,
    handler: (service: NoInfer<ServiceFn<C>>, ctx: Context<S, Actor>) => unknown,
  ): this {
    const route = CHANNEL_ROUTES[channel]
    if (spec.method !== route.method || spec.path !== route.path) {
      throw new Error(`${channel} is served at ${route.method} ${route.path}, not ${spec.path}`)
    }
    // Looked up per request: tests build routers over services that hold only what they use.
    return this.endpoint({ ...spec, channel }, (ctx) =>
      handler(serviceFor(channel, owner), ctx as unknown as Context<S, Actor>),
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
