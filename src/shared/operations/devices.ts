import { z } from 'zod'
import {
  crewParamsSchema,
  deviceParamsSchema,
  deviceSchema,
  pairingSchema,
} from '../crew-access.js'
import { crewIdSchema, idInput } from '../dispatch.js'
import { NONE, operation } from './operation.js'
import { DISPATCH, READERS } from './roles.js'

/** Crews' phones as the console sees them: a pairing code for one, the devices paired, revoking. */

export const createPairing = operation({
  name: 'pairings:create',
  summary: "Make a one-time pairing code and link for a crew's phone (valid 10 minutes)",
  description:
    'The link is `<server_url>/crew/#pair=<code>`: the code rides in the fragment, which a browser never sends, so it reaches no server log. `server_url` is an address a phone can reach (a LAN or VPN address); `warning` says when none can (the server listens on 127.0.0.1 only).',
  roles: DISPATCH,
  input: z.object({ crew_id: crewIdSchema }).strict(),
  output: pairingSchema,
  route: {
    method: 'post',
    path: '/crews/{crew_id}/pairings',
    tag: 'crews',
    params: crewParamsSchema,
    status: 201,
    errors: [404],
  },
  example: { crew_id: 'van-3' },
})

export const listDevices = operation({
  name: 'devices:list',
  summary: "Every crew's paired phones, with their last contact",
  description:
    'Last contact is when the device token was last used (written at most once a minute).',
  roles: READERS,
  input: NONE,
  output: z.array(deviceSchema),
  route: { method: 'get', path: '/crews/devices', tag: 'crews' },
  example: undefined,
})

export const revokeDevice = operation({
  name: 'devices:revoke',
  summary: 'Revoke a paired phone: it is signed out at once',
  description:
    'Its token stops working on the next request (401), and NOTIFY `devices` closes its open event stream on every server sharing the database. Revoking a revoked device answers it unchanged.',
  roles: DISPATCH,
  input: idInput('device_id'),
  output: deviceSchema,
  route: {
    method: 'post',
    path: '/crews/devices/{device_id}/revoke',
    tag: 'crews',
    params: deviceParamsSchema,
    errors: [404],
  },
  example: { device_id: 2 },
})

export const DEVICES = [createPairing, listDevices, revokeDevice] as const
