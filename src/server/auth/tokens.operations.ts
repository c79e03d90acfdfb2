import type { TOKENS } from '../../shared/operations/tokens.js'
import type { Implementations, OperationContext } from '../operations/context.js'
import { sessionOf } from './actor.js'

/** An answer no cache may keep: who someone is, a secret. */
function noStore({ http }: OperationContext): void {
  http?.res.setHeader('Cache-Control', 'no-store')
}

/** src/shared/operations/tokens.ts, done. */
export const TOKEN_OPERATIONS: Implementations<(typeof TOKENS)[number]['name']> = {
  'session:me': {
    run: (_input, context) => {
      noStore(context)
      return Promise.resolve(sessionOf(context.actor))
    },
  },
  'tokens:list': {
    run: ({ include_revoked }, { services }) =>
      services.auth.listTokens({ includeRevoked: include_revoked }),
  },
  'tokens:create': {
    run: ({ name, role, crew_id, van_capacity }, context) => {
      noStore(context)
      return context.services.auth.createToken(
        { name, role, crewId: crew_id, vanCapacity: van_capacity },
        context.actor,
      )
    },
  },
  'tokens:revoke': {
    run: ({ token_id }, { services, actor }) => services.auth.revokeToken(token_id, actor),
  },
}
