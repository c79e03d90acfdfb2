import type { CREWS } from '../../shared/operations/crews.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/crews.ts, done. */
export const CREW_OPERATIONS: Implementations<(typeof CREWS)[number]['name']> = {
  'crews:heartbeat': {
    run: (input, { services, actor, once }) =>
      once((trx) => services.crews.heartbeat(input, actor, trx)),
  },
  'crews:list': {
    run: (_input, { services }) => services.crews.list(),
  },
}
