import { z } from 'zod'
import type { Channel, ConsoleApi } from '../shared/contract.js'

/**
 * What each channel accepts from the renderer. The renderer is our own code, but a compromised
 * page must not be able to hand a service something the contract does not allow.
 */
export const REQUESTS: { [C in Channel]: z.ZodType<ConsoleApi[C]['request']> } = {
  'app:status': z.undefined(),
  'feeds:health': z.undefined(),
  'feeds:stations': z
    .object({
      systemId: z.string().min(1).max(200).optional(),
      staleOnly: z.boolean().optional(),
    })
    .strict(),
}
