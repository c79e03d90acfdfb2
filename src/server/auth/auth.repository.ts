import type { Selectable } from 'kysely'
import type { Database } from '../db/database.js'
import type { ApiTokens } from '../db/schema.js'
import type { Role } from '../../shared/dispatch.js'

export type TokenRow = Selectable<ApiTokens>

export interface NewToken {
  name: string
  role: Role
  crewId: string | null
  hash: Buffer
  prefix: string
  createdBy: string
}

export interface NewCrew {
  crewId: string
  name: string
  vanCapacity: number | null
}

/** All SQL about API tokens and the crews they belong to. */
export function createAuthRepository(db: Database) {
  return {
    /** Creates the crew, or updates its name and van capacity if it exists. */
    async upsertCrew(crew: NewCrew): Promise<void> {
      await db
        .insertInto('crews')
        .values({ crew_id: crew.crewId, name: crew.name, van_capacity: crew.vanCapacity })
        .onConflict((oc) =>
          oc.column('crew_id').doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            van_capacity: eb.fn.coalesce('excluded.van_capacity', 'crews.van_capacity'),
          })),
        )
        .execute()
    },

    insertToken(token: NewToken): Promise<TokenRow> {
      return db
        .insertInto('api_tokens')
        .values({
          name: token.name,
          role: token.role,
          crew_id: token.crewId,
          token_hash: token.hash,
          token_prefix: token.prefix,
          created_by: token.createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
    },

    /** A live (unrevoked) token by its digest. */
    findActiveByHash(hash: Buffer): Promise<TokenRow | undefined> {
      return db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
    },

    list(includeRevoked: boolean): Promise<TokenRow[]> {
      let query = db.selectFrom('api_tokens').selectAll().orderBy('token_id')
      if (!includeRevoked) query = query.where('revoked_at', 'is', null)
      return query.execute()
    },

    /** Revokes by id or by the shown prefix; returns the tokens it revoked. */
    revoke(match: { id: number } | { prefix: string }, revokedBy: string): Promise<TokenRow[]> {
      let query = db
        .updateTable('api_tokens')
        .set({ revoked_at: new Date(), revoked_by: revokedBy })
        .where('revoked_at', 'is', null)
      query =
        'id' in match
          ? query.where('token_id', '=', match.id)
          : query.where('token_prefix', '=', match.prefix)
      return query.returningAll().execute()
    },

    async touch(tokenId: number): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: new Date() })
        .where('token_id', '=', tokenId)
        .execute()
    },
  }
}

export type AuthRepository = ReturnType<typeof createAuthRepository>
