import { z } from 'zod'
import type { Role } from '../dispatch.js'

/**
 * One operation of the console or a crew's device, declared once: its name, who may call it, its
 * input and output, and where it is served. The server's HTTP route, the OpenAPI document, main's
 * IPC handler, the preload's bridge and the renderer's client are all made from this declaration
 * and the operation's one implementation (src/server/<capability>/*.operations.ts).
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

type Schema = z.ZodType

/** The request's three parts, as the route's schemas parse them. */
export interface HttpParts {
  params?: object
  query?: object
  body?: unknown
}

/** An HTTP route: OpenAPI path style (`/task/{task_id}/complete`). */
export interface HttpRoute<Input = unknown> {
  method: HttpMethod
  path: string
  /** The OpenAPI tag (the docs' section). */
  tag: string
  /** Path parameters, query and JSON body as HTTP sends them: validated, 400 naming the field. */
  params?: Schema
  query?: Schema
  body?: Schema
  /** The success status (default 200). */
  status?: number
  responseDescription?: string
  /** Other content types the success answer may take (text/csv). */
  alsoProduces?: readonly string[]
  /** Error statuses worth documenting besides 400/401/403/429. */
  errors?: readonly number[]
  /** Takes an Idempotency-Key header (src/server/http/idempotency.ts). */
  idempotent?: boolean
  /**
   * The operation's input from the parsed parts, where HTTP names things otherwise
   * (`?system=` for `systemId`). Default: path parameters, query and body merged.
   */
  fromHttp?(parts: HttpParts): Input
  /**
   * The parts a client sends for an input. Default: the path's parameters from the input, the
   * rest as the query of a GET or the body of anything else.
   */
  toHttp?(input: Input): HttpParts
}

/** Served to the desktop only, and why, in words a browser's user is shown. */
export interface DesktopOnly {
  desktopOnly: string
}

/** Answered by each edge itself, and how (main's supervisor, a browser's own request). */
export interface EdgeAnswered {
  edge: string
}

export interface OperationSpec<
  N extends string = string,
  I extends Schema = Schema,
  O extends Schema | null = Schema | null,
> {
  /** `capability:verb`: the IPC channel's name too. */
  name: N
  /** One line: the docs' summary. */
  summary: string
  description?: string
  /** Who may call it over HTTP; the desktop window is the depot's dispatcher. */
  roles: readonly Role[] | 'public'
  /** What the operation takes: IPC sends this object, HTTP's parts are merged into it. */
  input: I
  /** What it answers (JSON); null: the implementation writes its own answer (CSV, a stream). */
  output: O
  route: HttpRoute<z.output<I>> | DesktopOnly | EdgeAnswered
  /**
   * false: a crew's device's or another program's operation (the claim, a heartbeat), served over
   * HTTP only: the desktop's IPC does not carry it. Default true.
   */
  desktop?: boolean
  /** A valid input: the wiring test sends it over both edges. */
  example: z.input<I>
}

/** Declares an operation: the identity, for the types. */
export function operation<
  const N extends string,
  I extends Schema,
  O extends Schema | null,
  const D extends boolean = true,
>(spec: OperationSpec<N, I, O> & { desktop?: D }): OperationSpec<N, I, O> & { desktop?: D } {
  return spec
}

/** A schema typed as T: an answer whose TypeScript type is written by hand. */
export function shaped<T>(schema?: Schema): z.ZodType<T> {
  return (schema ?? z.custom<T>()) as z.ZodType<T>
}

/** No input. */
export const NONE = z.undefined()

export function isHttp(route: OperationSpec['route']): route is HttpRoute {
  return 'path' in route
}

/** `{task_id}` in a path: the names. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '')
}

/** The default `toHttp`: the path's parameters, the rest as query (GET) or body. */
export function splitInput(route: HttpRoute, input: unknown): HttpParts {
  if (input === undefined) return {}
  const names = pathParams(route.path)
  const entries = Object.entries(input as object)
  const params = Object.fromEntries(entries.filter(([key]) => names.includes(key)))
  const rest = Object.fromEntries(entries.filter(([key]) => !names.includes(key)))
  return route.method === 'get' ? { params, query: rest } : { params, body: rest }
}

/** The default `fromHttp`: the parsed parts merged (no parts: no input). */
export function mergeParts(route: HttpRoute, parts: HttpParts): unknown {
  if (!route.params && !route.query && !route.body) return undefined
  return { ...parts.params, ...parts.query, ...(parts.body as object | undefined) }
}
