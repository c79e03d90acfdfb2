import { ipKeyGenerator } from 'express-rate-limit'
import type { DEVICES } from '../../shared/operations/devices.js'
import type { Implementations, OperationContext } from '../operations/context.js'
import { crewSummary } from '../crew/shifts.js'
import { HttpError } from '../http/errors.js'
import { createPairing, crewMe, listDevices, pairDevice, revokeDevice } from './pairing.service.js'

const addressOf = (ip: string | undefined) => ipKeyGenerator(ip ?? 'unknown')

/** An answer no cache may keep: a pairing code, a device token. */
function noStore({ http }: Pick<OperationContext, 'http'>): void {
  http?.res.setHeader('Cache-Control', 'no-store')
}

type CrewAccessName = (typeof DEVICES)[number]['name'] | 'crew:pair' | 'crew:me'

/**
 * Pairing a crew's phone and the devices paired (src/shared/operations/devices.ts, and the
 * phone's side in crew.ts), done.
 */
export const CREW_ACCESS_OPERATIONS: Implementations<CrewAccessName> = {
  'pairings:create': {
    run: (input, context) => {
      noStore(context)
      return createPairing(context.services.crewAccess, input, context.actor)
    },
  },
  'crew:pair': {
    run: () => Promise.reject(new Error('crew:pair is a phone’s, over HTTP only')),
    // Public: the code is the credential. An address over its budget of wrong tokens and codes
    // is refused before the database is asked; a code that does not pair spends that budget.
    http: ({ services, http, guard }) => {
      const address = addressOf(http.req.ip)
      const body = http.body as { code: string; device_name?: string }
      const wait = guard?.blockedFor(address, body.code) ?? 0
      if (wait > 0) {
        http.res.setHeader('Retry-After', String(wait))
        throw new HttpError(
          429,
          'rate_limited',
          `too many wrong pairing codes or tokens from this address (over ${guard?.perMinute ?? 0} a minute); try again in ${wait} s`,
        )
      }
      noStore({ http })
      return pairDevice({ ...services.crewAccess, guard }, { ...body, address })
    },
  },
  'crew:me': {
    run: async (_input, { services, actor }) => {
      // Who first: a token naming no crew is a 404 in crewMe's words.
      const me = await crewMe(services.crewAccess, undefined, actor)
      return { ...me, ...(await crewSummary(services.crewWork, actor)) }
    },
  },
  'devices:list': {
    run: (_input, { services }) => listDevices(services.crewAccess),
  },
  'devices:revoke': {
    run: (input, { services, actor }) => revokeDevice(services.crewAccess, input, actor),
  },
}
