import type { SETTINGS } from '../../shared/operations/settings.js'
import { uncached, type Implementations } from '../operations/context.js'

/** src/shared/operations/settings.ts, done. */
export const SETTINGS_OPERATIONS: Implementations<(typeof SETTINGS)[number]['name']> = {
  'settings:get': {
    run: (_input, context) => uncached(context, context.services.settings.get()),
  },
  'settings:testDatabase': {
    run: (request, { services }) => services.settings.testDatabase(request),
  },
  'settings:save': {
    run: (input, { services }) => services.settings.save(input),
  },
}
