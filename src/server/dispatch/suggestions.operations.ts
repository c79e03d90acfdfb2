import type { SUGGESTIONS } from '../../shared/operations/suggestions.js'
import type { Implementations } from '../operations/context.js'

/** src/shared/operations/suggestions.ts, done. */
export const SUGGESTION_OPERATIONS: Implementations<(typeof SUGGESTIONS)[number]['name']> = {
  'suggestions:list': {
    run: (filter, { services }) => services.dispatch.listSuggestions(filter),
  },
  'suggestions:create': {
    run: (input, { services, actor }) => services.dispatch.createSuggestion(input, actor),
  },
  'suggestions:reject': {
    run: ({ suggestion_id, ...input }, { services, actor }) =>
      services.dispatch.rejectSuggestion(suggestion_id, input, actor),
  },
  'suggestions:run': {
    run: (request, { services, actor, edge }) =>
      services.engine.run(request, { trigger: edge, actor }),
  },
}
