import { ipKeyGenerator } from 'express-rate-limit'
import { z } from 'zod'
import {
  crewMeSchema,
  crewParamsSchema,
  deviceParamsSchema,
  deviceSchema,
  pairedDeviceSchema,
  pairingSchema,
  pairRequestSchema,
} from '../../shared/crew-access.js'
import { ApiRouter } from '../http/api-router.js'
import { HttpError } from '../http/errors.js'
import {
  createPairing,
  crewMe,
  listDevices,
  pairDevice,
  revokeDevice,
  type CrewAccessDeps,
} from './pairing.service.js'

const addressOf = (ip: string | undefined) => ipKeyGenerator(ip ?? 'unknown')

/** Pairing a crew's phone by QR code, and the devices paired (issue 15). */
export function crewAccessRoutes(deps: CrewAccessDeps): ApiRouter {
  const api = new ApiRouter()

  api.endpoint(
    {
      method: 'post',
      path: '/crews/{crew_id}/pairings',
      tag: 'crews',
      summary: "Make a one-time pairing code and link for a crew's phone (valid 10 minutes)",
      description:
        'The link is `<server_url>/crew/#pair=<code>`: the code rides in the fragment, which a browser never sends, so it reaches no server log. `server_url` is an address a phone can reach (a LAN or VPN address); `warning` says when none can (the server listens on 127.0.0.1 only).',
      access: ['dispatcher'],
      params: crewParamsSchema,
      status: 201,
      response: pairingSchema,
      errors: [404],
    },
    ({ params, actor, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return createPairing(deps, params, actor)
    },
  )

  // An address over its budget of wrong tokens and codes is refused before the database is asked.
  api.router.post('/crew/pair', (req, _res, next) => {
    const code: unknown = (req.body as { code?: unknown } | undefined)?.code
    const wait =
      deps.guard?.blockedFor(addressOf(req.ip), typeof code === 'string' ? code : '') ?? 0
    if (wait > 0) {
      _res.setHeader('Retry-After', String(wait))
      next(
        new HttpError(
          429,
          'rate_limited',
          `too many wrong pairing codes or tokens from this address (over ${deps.guard?.perMinute ?? 0} a minute); try again in ${wait} s`,
        ),
      )
      return
    }
    next()
  })

  api.publicEndpoint(
    {
      method: 'post',
      path: '/crew/pair',
      tag: 'crews',
      summary: 'Trade a pairing code for a device token of its crew (the phone keeps it)',
      description:
        'Public: the code is the credential. A code works once, within 10 minutes; an unknown, used or expired code is refused in words and counts as a wrong token from the address (30 a minute, then 429). Not retry-safe by design: the answer holds the token, which is never stored; a phone that lost it asks for a new code.',
      access: 'public',
      body: pairRequestSchema,
      status: 201,
      response: pairedDeviceSchema,
      errors: [404, 409],
    },
    ({ body, req, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return pairDevice(deps, { ...body, address: addressOf(req.ip) })
    },
  )

  api.endpoint(
    {
      method: 'get',
      path: '/crew/me',
      tag: 'crews',
      summary: "Who this crew token is: its crew, its device, the van's capacity",
      access: ['crew'],
      response: crewMeSchema,
    },
    ({ actor }) => crewMe(deps, undefined, actor),
  )

  api.endpoint(
    {
      method: 'get',
      path: '/crews/devices',
      tag: 'crews',
      summary: "Every crew's paired phones, with their last contact",
      description:
        'Last contact is when the device token was last used (written at most once a minute).',
      access: ['dispatcher', 'analyst'],
      response: z.array(deviceSchema),
    },
    () => listDevices(deps),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/crews/devices/{device_id}/revoke',
      tag: 'crews',
      summary: 'Revoke a paired phone: it is signed out at once',
      description:
        'Its token stops working on the next request (401), and NOTIFY `devices` closes its open event stream on every server sharing the database. Revoking a revoked device answers it unchanged.',
      access: ['dispatcher'],
      params: deviceParamsSchema,
      response: deviceSchema,
      errors: [404],
    },
    ({ params, actor }) => revokeDevice(deps, params, actor),
  )

  return api
}
