import { createHash } from 'node:crypto'
import type { Request, Response } from 'express'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { withSavepoint } from '../db/savepoint.js'
import { errorBody, ServiceError } from '../errors.js'
import { HttpError, STATUS_OF } from './errors.js'

/**
 * The Idempotency-Key header (the IETF httpapi draft's name and semantics): a crew's phone that
 * sends one with a state-changing request and retries it with the same key (a lost answer, flaky
 * Wi-Fi, a 503 while the database restarts) gets the first answer back, status and body byte for
 * byte, and the work is done once. The key's row is inserted first, in the transaction that does
 * the work and records the answer: a concurrent retry with the same key waits on that row and
 * then replays what committed, and if the work fails with a 5xx nothing is kept, so the retry
 * does it. Answers a person can act on (4xx: a task another crew holds, no task available) are
 * kept like successes: they are the first answer too.
 */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
/** Sent with a replayed answer, so a client (and a person reading its log) can tell. */
export const REPLAYED_HEADER = 'Idempotent-Replayed'
/** A retry comes within minutes; a day also covers a phone left off overnight. */
export const IDEMPOTENCY_TTL_HOURS = 24

const KEY_PATTERN = /^[!-~]{1,255}$/

/** What OpenAPI says of the header on the routes that take it. */
export const idempotencyHeaderSchema = z.object({
  [IDEMPOTENCY_HEADER]: z.string().regex(KEY_PATTERN).optional().meta({
    description:
      'Any 1-255 visible ASCII characters, new for each new request (a UUID). A retry with the same key gets the first answer (status and body) again, with `Idempotent-Replayed: true`, and the work is done once; the same key with another route or body is a 422. Keys are forgotten after 24 hours.',
  }),
})

export const IDEMPOTENCY_DESCRIPTION =
  'Retry-safe: send an `Idempotency-Key` header and any retry with that key returns the first answer.'

interface Answer {
  status: number
  text: string
  replayed: boolean
}

interface KeyRow {
  method: string
  path: string
  request_hash: Buffer
  status: number | null
  response_body: string | null
}

export interface IdempotentRequest {
  req: Request
  res: Response
  actor: Actor
  /** The validated body: part of what the key stands for. */
  body: unknown
}

export interface Idempotency {
  /**
   * Without the header: `work()` and its result, as any route. With it: `work(trx)` once per key,
   * the answer sent by this function (which then returns undefined).
   */
  answer<T>(
    request: IdempotentRequest,
    work: (trx?: Database) => Promise<T>,
    status?: number,
  ): Promise<T | undefined>
}

/**
 * A key is one caller's: two crews that pick the same key do not see each other's answers. A
 * crew's keys are the crew's, not its token's: a phone signed out (revoked) with changes waiting
 * sends them again after pairing again, with a new token and the same keys, and what was done
 * under the old token is replayed, not done twice.
 */
function scopeOf(actor: Actor): string {
  if (actor.crewId !== null) return `crew:${actor.crewId}`
  return actor.tokenId !== null ? `token:${actor.tokenId}` : `${actor.role}:${actor.name}`
}

function readKey(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER)
  if (key === undefined) return undefined
  if (!KEY_PATTERN.test(key)) {
    throw new HttpError(
      400,
      'invalid_request',
      `${IDEMPOTENCY_HEADER}: must be 1-255 visible ASCII characters (a UUID, say)`,
    )
  }
  return key
}

export function createIdempotency(db: Database): Idempotency {
  async function run(
    request: IdempotentRequest,
    key: string,
    work: (trx: Database) => Promise<unknown>,
    status: number,
  ): Promise<Answer> {
    const actor = scopeOf(request.actor)
    const method = request.req.method
    const path = request.req.baseUrl + request.req.path
    const hash = createHash('sha256')
      .update(`${method} ${path}\n${JSON.stringify(request.body ?? null)}`)
      .digest()
    return db.transaction().execute(async (trx) => {
      // Waits for a transaction holding the same key; an expired key starts over.
      const { rows: fresh } = await sql`
        insert into idempotency_keys (actor, idempotency_key, method, path, request_hash, expires_at)
        values (${actor}, ${key}, ${method}, ${path}, ${hash},
                now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS}))
        on conflict (actor, idempotency_key) do update
           set method = excluded.method, path = excluded.path,
               request_hash = excluded.request_hash, status = null, response_body = null,
               created_at = now(), expires_at = excluded.expires_at
         where idempotency_keys.expires_at <= now()
        returning 1`.execute(trx)
      if (fresh.length === 0) return replay(trx, actor, key, { method, path, hash })
      let answer: Omit<Answer, 'replayed'>
      try {
        const result = await withSavepoint(trx, 'idempotent_work', () => work(trx))
        answer = { status, text: JSON.stringify(result) }
      } catch (error) {
        if (!(error instanceof ServiceError) || STATUS_OF[error.kind] >= 500) throw error
        // Its work was undone with the savepoint; the refusal is the first answer.
        answer = {
          status: STATUS_OF[error.kind],
          text: JSON.stringify(errorBody(error)),
        }
      }
      await sql`
        update idempotency_keys set status = ${answer.status}, response_body = ${answer.text}
         where actor = ${actor} and idempotency_key = ${key}`.execute(trx)
      return { ...answer, replayed: false }
    })
  }

  async function replay(
    trx: Database,
    actor: string,
    key: string,
    request: { method: string; path: string; hash: Buffer },
  ): Promise<Answer> {
    const { rows } = await sql<KeyRow>`
      select method, path, request_hash, status, response_body from idempotency_keys
       where actor = ${actor} and idempotency_key = ${key}`.execute(trx)
    const first = rows[0]
    if (!first || first.status === null || first.response_body === null) {
      // Not reachable: the row and its answer commit together. Said plainly if it ever is.
      throw new HttpError(
        409,
        'idempotency_key_in_progress',
        `${IDEMPOTENCY_HEADER}: "${key}" is still being answered; retry in a moment`,
      )
    }
    if (first.method !== request.method || first.path !== request.path) {
      throw new HttpError(
        422,
        'idempotency_key_reused',
        `${IDEMPOTENCY_HEADER}: "${key}" was first sent with ${first.method} ${first.path}; send a new key for a new request`,
      )
    }
    if (!first.request_hash.equals(request.hash)) {
      throw new HttpError(
        422,
        'idempotency_key_reused',
        `${IDEMPOTENCY_HEADER}: "${key}" was first sent with another body to ${first.method} ${first.path}; a retry sends the same body, a new request a new key`,
      )
    }
    return { status: first.status, text: first.response_body, replayed: true }
  }

  return {
    async answer(request, work, status = 200) {
      const key = readKey(request.req)
      if (key === undefined) return work()
      const answer = await run(request, key, work, status)
      const { res } = request
      if (answer.replayed) res.setHeader(REPLAYED_HEADER, 'true')
      res.status(answer.status).type('application/json').send(answer.text)
      return undefined
    },
  }
}
