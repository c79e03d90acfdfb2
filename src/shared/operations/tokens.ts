import { z } from 'zod'
import {
  type CreatedToken,
  createTokenRequestSchema,
  idInput,
  idParams,
  sessionSchema,
  tokenInfoSchema,
} from '../dispatch.js'
import { NONE, operation, shaped } from './operation.js'
import { ANYONE, DISPATCH } from './roles.js'

/** Who the caller is, and the API tokens a dispatcher hands out and revokes. */

export const whoAmI = operation({
  name: 'session:me',
  summary: "Who this token is: its name, role and crew (a console's sign-in checks it)",
  roles: ANYONE,
  input: NONE,
  output: sessionSchema,
  route: { method: 'get', path: '/me', tag: 'tokens' },
  example: undefined,
})

export const listTokens = operation({
  name: 'tokens:list',
  summary: 'List API tokens (never the secrets)',
  roles: DISPATCH,
  input: z.object({ include_revoked: z.boolean().optional() }).strict(),
  output: z.array(tokenInfoSchema),
  route: {
    method: 'get',
    path: '/tokens',
    tag: 'tokens',
    query: z.object({ all: z.enum(['true', 'false']).optional() }).strict(),
    fromHttp: ({ query }: { query: { all?: 'true' | 'false' } }) => ({
      include_revoked: query.all === 'true',
    }),
    toHttp: ({ include_revoked }) => ({ query: { all: include_revoked } }),
  },
  example: {},
})

export const createToken = operation({
  name: 'tokens:create',
  summary: 'Create a token; the answer is the only place the secret ever appears',
  roles: DISPATCH,
  input: createTokenRequestSchema,
  output: shaped<CreatedToken>(z.object({ token: z.string(), info: tokenInfoSchema })),
  route: {
    method: 'post',
    path: '/tokens',
    tag: 'tokens',
    body: createTokenRequestSchema,
    status: 201,
  },
  example: { name: 'Van 9', role: 'crew', van_capacity: 12 },
})

export const revokeToken = operation({
  name: 'tokens:revoke',
  summary: 'Revoke a token: it stops working at once on this server',
  roles: DISPATCH,
  input: idInput('token_id'),
  output: tokenInfoSchema,
  route: {
    method: 'post',
    path: '/tokens/{token_id}/revoke',
    tag: 'tokens',
    params: idParams('token_id'),
    errors: [404],
  },
  example: { token_id: 2 },
})

const signInBody = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be the code of a sign-in link'),
  })
  .strict()

export const signInWithLink = operation({
  name: 'session:signIn',
  summary: "Trade the one-time code of serve's sign-in link for the first dispatcher token",
  description:
    'Public: the code is the credential. `balancer serve` prints a link carrying one when the database has no dispatcher token; it works once, within 15 minutes, and not at all once a dispatcher token exists. The answer holds the token (shown once, kept by the browser as a pasted one is).',
  roles: 'public',
  input: signInBody,
  output: shaped<CreatedToken>(z.object({ token: z.string(), info: tokenInfoSchema })),
  route: {
    method: 'post',
    path: '/session/sign-in',
    tag: 'tokens',
    body: signInBody,
    status: 201,
    errors: [404, 409],
  },
  example: { code: 'AAAAAAAAAAAAAAAAAAAAAA' },
})

export const TOKENS = [whoAmI, listTokens, createToken, revokeToken, signInWithLink] as const
