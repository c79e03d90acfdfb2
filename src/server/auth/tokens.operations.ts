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
  'session:signIn': {
    // Over IPC there is nobody to sign in (the window is the dispatcher), but a code is a code.
    run: ({ code }, context) => uncached(context, context.services.signIn.redeem(code)),
    // Public: the code is the credential, 128 random bits that work once.
    http: ({ services, http }) => {
      const { code } = http.body as { code: string }
      const requestId = typeof http.req.id === 'string' ? http.req.id : undefined
      return uncached({ http }, services.signIn.redeem(code, requestId))
    },
  },
  'tokens:revoke': {
    run: ({ token_id }, { services, actor }) => services.auth.revokeToken(token_id, actor),
  },
}
