import type { Channel, ConsoleApi } from '../../src/shared/contract.js'
import { OPERATIONS } from '../../src/shared/operations/index.js'

/** A valid request for every channel: each declaration's own example. */
export const SAMPLE_REQUESTS = Object.fromEntries(
  OPERATIONS.map((op) => [op.name, op.example]),
) as unknown as { [C in Channel]: ConsoleApi[C]['request'] }
