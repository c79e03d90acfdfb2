import type { Request, Response } from 'express'
import type { ConsoleEvents, EventName } from '../../shared/contract.js'
import type { InputOf, OperationName, OutputOf } from '../../shared/operations/index.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import type { FailedAuthGuard } from '../http/failed-auth.guard.js'
import type { Services } from '../services.js'

/** Pushes an event to the console's windows (main broadcasts it; tests collect it). */
export type EmitEvent = <E extends EventName>(event: E, payload: ConsoleEvents[E]) => void

/** An HTTP request as the operation's route parsed it. */
export interface HttpCall {
  req: Request
  res: Response
  params: unknown
  query: unknown
  body: unknown
}

/** What an implementation is handed besides its input, on either edge. */
export interface OperationContext {
  /** Who asks: a token's holder over HTTP, the depot's dispatcher (CONSOLE_ACTOR) over IPC. */
  actor: Actor
  services: Services
  edge: 'http' | 'ipc'
  /** Over HTTP: the request and its answer (headers, CSV), and the parts the route parsed. */
  http?: HttpCall
  /** An event to this console's windows (a desktop import's progress); nothing over HTTP. */
  emit: EmitEvent
  /**
   * The work of a retry-safe route (`idempotent: true`): once per Idempotency-Key, in the
   * transaction that records the answer (src/server/http/idempotency.ts). Undefined: the first
   * answer was sent again. Without a key, and over IPC, it simply runs the work.
   */
  once: <T>(work: (trx?: Database) => Promise<T>, status?: number) => Promise<T | undefined>
}

/**
 * What an implementation's `http` is handed: the request, the failed-auth guard (a public
 * operation whose input is the credential counts wrong ones against the address), and the caller
 * if it sent a token (a public operation's may not).
 */
export type HttpContext = Omit<OperationContext, 'actor' | 'http'> & {
  actor: Actor | null
  http: HttpCall
  /** Wrong tokens and codes per address (null: no limit, as in tests without rate limits). */
  guard: FailedAuthGuard | null
}

/**
 * An operation's one implementation: what it does with its input. It returns the answer, or
 * undefined over HTTP when it wrote the answer itself (CSV, a replayed answer).
 */
export interface Implementation<N extends OperationName> {
  run(input: InputOf<N>, context: OperationContext): Promise<OutputOf<N> | undefined>
  /**
   * Over HTTP instead of `run`, where the request carries what IPC cannot (a file's bytes as the
   * body, a public operation's address): it reads `context.http` itself.
   */
  http?(context: HttpContext): Promise<OutputOf<N> | undefined>
}

export type Implementations<N extends OperationName> = { [K in N]: Implementation<K> }

/** An answer never to be cached (live numbers, the settings): `Cache-Control: no-store` over HTTP. */
export function uncached<T>(context: Pick<OperationContext, 'http'>, answer: T): T {
  context.http?.res.setHeader('Cache-Control', 'no-store')
  return answer
}
