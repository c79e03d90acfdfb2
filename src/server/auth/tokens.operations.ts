import type { TOKENS } from '../../shared/operations/tokens.js'
import { uncached, type Implementations } from '../operations/context.js'
import { sessionOf } from './actor.js'

/** src/shared/operations/tokens.ts, done. */
export const TOKEN_OPERATIONS: Implementations<(typeof TOKENS)[number]['name']> = {
  'session:me': {
    // No cache may keep who someone is, nor a secret.
    run: (_input, context) => uncached(context, Promise.resolve(sessionOf(context.actor))),
  },
  'tokens:list': {
    run: ({ include_revoked }, { services }) =>
      services.auth.listTokens({ includeRevoked: include_revoked }),
  },
  'tokens:create': {
    run: ({ name, role, crew_id, van_capacity }, context) =>
      uncached(
        context,
        context.services.auth.createToken(
          { name, role, crewId: crew_id, vanCapacity: van_capacity },
          context.actor,
        ),
      ),
  },
  'tokens:revoke': {
    run: ({ token_id }, { services, actor }) => services.auth.revokeToken(token_id, actor),
  },
}
