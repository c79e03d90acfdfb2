import type { SuggestionPage } from '../../shared/suggestion-list.js'
import type { SUGGESTIONS } from '../../shared/operations/suggestions.js'
import type { HttpCall, Implementations } from '../operations/context.js'

/**
 * The seed's answer stays a plain array: the next page's cursor goes in headers,
 * `X-Next-Cursor` and a `Link` to the next page (RFC 8288), only when one follows.
 */
function pageHeaders(http: HttpCall | undefined, page: SuggestionPage): void {
  if (!http || page.next_cursor === null) return
  const url = new URL(http.req.originalUrl, 'http://local')
  url.searchParams.set('cursor', page.next_cursor)
  http.res.setHeader('X-Next-Cursor', page.next_cursor)
  http.res.setHeader('Link', `<${url.pathname}${url.search}>; rel="next"`)
}

/** src/shared/operations/suggestions.ts, done. */
export const SUGGESTION_OPERATIONS: Implementations<(typeof SUGGESTIONS)[number]['name']> = {
  'suggestions:list': {
    run: async (filter, { services, http }) => {
      const page = await services.dispatch.listSuggestions(filter)
      pageHeaders(http, page)
      return page.suggestions
    },
  },
  'suggestions:create': {
    run: (input, { services, actor }) => services.dispatch.createSuggestion(input, actor),
  },
  'suggestions:reject': {
    run: ({ suggestion_id, ...input }, { services, actor }) =>
      services.dispatch.rejectSuggestion(suggestion_id, input, actor),
  },
  'suggestions:undo': {
    run: ({ suggestion_id }, { services, actor }) =>
      services.dispatch.undoDecision(suggestion_id, actor),
  },
  'suggestions:run': {
    run: (request, { services, actor, edge }) =>
      services.engine.run(request, { trigger: edge, actor }),
  },
}
