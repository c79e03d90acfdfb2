import type { Role, TokenInfo } from '../../shared/dispatch.js'
import { crewIdSchema } from '../../shared/dispatch.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { badText } from '../text-check.js'
import type { Actor } from './actor.js'
import { createAuthRepository, type TokenRow } from './auth.repository.js'
import { generateToken, hashToken, looksLikeToken, tokenPrefix } from './tokens.js'

export interface CreateTokenInput {
  name: string
  role: Role
  /** For a crew token: the crew's id (its `worker_id`); default: derived from the name. */
  crewId?: string
  vanCapacity?: number
}

export interface CreatedToken {
  /** The secret, shown once: only its digest is stored. */
  token: string
  info: TokenInfo
}

export interface AuthService {
  createToken(input: CreateTokenInput, by: Actor): Promise<CreatedToken>
  listTokens(options?: { includeRevoked?: boolean }): Promise<TokenInfo[]>
  /** Revokes a token by its id or its shown prefix (`bwb_AbC123`). */
  revokeToken(idOrPrefix: string | number, by: Actor): Promise<TokenInfo>
  /** The actor a bearer token stands for, or null for an unknown or revoked token. */
  authenticate(token: string): Promise<Actor | null>
  /**
   * Drops a token from the cache of verified tokens: revoked elsewhere (a paired device, another
   * console announcing it), its next request is looked up again and refused.
   */
  forget(tokenId: number): void
}

export interface AuthOptions {
  /**
   * How long a verified token is trusted without asking the database again. A revocation made on
   * another console sharing the database takes effect within this time; one made here at once.
   */
  cacheMs?: number
  /** last_used_at is written at most this often per token, not on every request. */
  touchEveryMs?: number
  now?: () => number
}

export function toTokenInfo(row: TokenRow): TokenInfo {
  return {
    token_id: row.token_id,
    name: row.name,
    role: row.role,
    crew_id: row.crew_id,
    token_prefix: row.token_prefix,
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  }
}

/** "Van 3 (Mission)" -> "van-3-mission": a worker_id a person can read in the task board. */
export function crewIdFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
  return slug || 'crew'
}

export function createAuthService(db: Database, options: AuthOptions = {}): AuthService {
  const repository = createAuthRepository(db)
  const cacheMs = options.cacheMs ?? 10_000
  const touchEveryMs = options.touchEveryMs ?? 60_000
  const now = options.now ?? Date.now
  const cache = new Map<string, { actor: Actor; until: number }>()
  const touchedAt = new Map<number, number>()

  function forget(tokenId: number): void {
    for (const [key, entry] of cache) if (entry.actor.tokenId === tokenId) cache.delete(key)
  }

  return {
    async createToken(input, by) {
      const name = input.name.trim()
      if (!name) throw new ServiceError('invalid', 'invalid_request', 'name: must not be empty')
      // A name is shown on a line of its own (token list, the task board): no control characters,
      // and nothing PostgreSQL cannot store (the command line reaches here without the HTTP edge).
      const unstorable = badText(name)
      if (unstorable) throw new ServiceError('invalid', 'invalid_request', `name: ${unstorable}`)
      if (/\p{Cc}/u.test(name)) {
        throw new ServiceError('invalid', 'invalid_request', 'name: contains a control character')
      }
      if (name.length > 100) {
        throw new ServiceError('invalid', 'invalid_request', 'name: is longer than 100 characters')
      }
      let crewId: string | null = null
      if (input.role === 'crew') {
        const parsed = crewIdSchema.safeParse(input.crewId ?? crewIdFromName(name))
        if (!parsed.success) {
          throw new ServiceError(
            'invalid',
            'invalid_request',
            `crew: ${parsed.error.issues[0]?.message ?? 'is not a valid crew id'}`,
          )
        }
        crewId = parsed.data
      } else if (input.crewId !== undefined || input.vanCapacity !== undefined) {
        throw new ServiceError(
          'invalid',
          'invalid_request',
          'crew: only a crew token names a crew and a van capacity',
        )
      }
      if (
        input.vanCapacity !== undefined &&
        (!Number.isInteger(input.vanCapacity) || input.vanCapacity < 1 || input.vanCapacity > 200)
      ) {
        throw new ServiceError(
          'invalid',
          'invalid_request',
          'van_capacity: must be a whole number of bikes from 1 to 200',
        )
      }
      const token = generateToken()
      const row = await db.transaction().execute(async (trx) => {
        const tx = createAuthRepository(trx)
        if (crewId) {
          await tx.upsertCrew({ crewId, name, vanCapacity: input.vanCapacity ?? null })
        }
        const created = await tx.insertToken({
          name,
          role: input.role,
          crewId,
          hash: hashToken(token),
          prefix: tokenPrefix(token),
          createdBy: by.name,
        })
        await trx
          .insertInto('audit_log')
          .values({
            actor: by.name,
            actor_role: by.role,
            action: 'token.create',
            entity: 'api_token',
            entity_id: String(created.token_id),
            detail: { name, role: input.role, crew_id: crewId },
            request_id: by.requestId ?? null,
          })
          .execute()
        return created
      })
      return { token, info: toTokenInfo(row) }
    },

    async listTokens({ includeRevoked = false } = {}) {
      return (await repository.list(includeRevoked)).map(toTokenInfo)
    },

    async revokeToken(idOrPrefix, by) {
      const text = String(idOrPrefix).trim()
      const match = /^\d{1,15}$/.test(text) ? { id: Number(text) } : { prefix: text }
      const revoked = await db.transaction().execute(async (trx) => {
        const rows = await createAuthRepository(trx).revoke(match, by.name)
        if (rows.length > 1) {
          throw new ServiceError(
            'conflict',
            'ambiguous_token',
            `${rows.length} tokens start with ${text}; revoke by id instead`,
          )
        }
        const row = rows[0]
        if (row) {
          await trx
            .insertInto('audit_log')
            .values({
              actor: by.name,
              actor_role: by.role,
              action: 'token.revoke',
              entity: 'api_token',
              entity_id: String(row.token_id),
              detail: { name: row.name, role: row.role },
              request_id: by.requestId ?? null,
            })
            .execute()
        }
        return row
      })
      if (!revoked) {
        throw new ServiceError(
          'not_found',
          'token_not_found',
          `no active token ${text}; \`balancer token list\` shows them`,
        )
      }
      forget(revoked.token_id)
      return toTokenInfo(revoked)
    },

    forget,

    async authenticate(token) {
      if (!looksLikeToken(token)) return null
      const hash = hashToken(token)
      // Keyed by digest: the process never keeps a token it was shown.
      const key = hash.toString('base64')
      const at = now()
      const cached = cache.get(key)
      if (cached && cached.until > at) return cached.actor
      cache.delete(key)
      const row = await repository.findActiveByHash(hash)
      if (!row) return null
      const actor: Actor = {
        name: row.name,
        role: row.role,
        crewId: row.crew_id,
        tokenId: row.token_id,
      }
      if (cache.size > 10_000) cache.clear()
      cache.set(key, { actor, until: at + cacheMs })
      if ((touchedAt.get(row.token_id) ?? -Infinity) + touchEveryMs <= at) {
        touchedAt.set(row.token_id, at)
        // Best effort: a failed write of last_used_at must not fail the request.
        repository.touch(row.token_id).catch(() => touchedAt.delete(row.token_id))
      }
      return actor
    },
  }
}
