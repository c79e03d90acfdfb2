import { uncached, type Implementations } from '../operations/context.js'

/** src/shared/operations/engine-model.ts, done. */
export const ENGINE_MODEL_OPERATIONS: Implementations<'engine:models'> = {
  'engine:models': {
    run: async (_input, context) => uncached(context, await context.services.engine.models()),
  },
}
