import { z } from 'zod'
import {
  createTokenRequestSchema,
  idParamSchema,
  ROLES,
  sessionSchema,
  tokenInfoSchema,
} from '../../shared/dispatch.js'
import { ApiRouter } from '../http/api-router.js'
import { sessionOf } from './actor.js'
import type { AuthService } from './auth.service.js'

/** Dispatchers hand out and revoke tokens from the console, in a browser too. */
export function tokenRoutes(auth: AuthService): ApiRouter {
  const api = new ApiRouter()

  api.endpoint(
    {
      method: 'get',
      path: '/me',
      channel: 'session:me',
      tag: 'tokens',
      summary: "Who this token is: its name, role and crew (a console's sign-in checks it)",
      access: ROLES,
      response: sessionSchema,
    },
    ({ actor, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return sessionOf(actor)
    },
  )

  api.channelEndpoint(
    'tokens:list',
    auth,
    {
      method: 'get',
      path: '/tokens',
      tag: 'tokens',
      summary: 'List API tokens (never the secrets)',
      access: ['dispatcher'],
      query: z.object({ all: z.enum(['true', 'false']).optional() }).strict(),
      response: z.array(tokenInfoSchema),
    },
    (listTokens, { query }) => listTokens({ includeRevoked: query.all === 'true' }),
  )

  api.channelEndpoint(
    'tokens:create',
    auth,
    {
      method: 'post',
      path: '/tokens',
      tag: 'tokens',
      summary: 'Create a token; the answer is the only place the secret ever appears',
      access: ['dispatcher'],
      body: createTokenRequestSchema,
      status: 201,
      response: z.object({ token: z.string(), info: tokenInfoSchema }),
    },
    async (createToken, { body, actor, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return createToken(
        { name: body.name, role: body.role, crewId: body.crew_id, vanCapacity: body.van_capacity },
        actor,
      )
    },
  )

  api.channelEndpoint(
    'tokens:revoke',
    auth,
    {
      method: 'post',
      path: '/tokens/{token_id}/revoke',
      tag: 'tokens',
      summary: 'Revoke a token: it stops working at once on this server',
      access: ['dispatcher'],
      params: z.object({ token_id: idParamSchema }).strict(),
      response: tokenInfoSchema,
      errors: [404],
    },
    (revokeToken, { params, actor }) => revokeToken(params.token_id, actor),
  )

  return api
}
