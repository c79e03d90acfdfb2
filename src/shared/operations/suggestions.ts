import { z } from 'zod'
import {
  createSuggestionRequestSchema,
  idInput,
  idParams,
  idSchema,
  rejectRequestSchema,
  suggestionSchema,
} from '../dispatch.js'
import { suggestionListFilterSchema, suggestionListQuerySchema } from '../suggestion-list.js'
import { engineRunRequestSchema, engineRunSummarySchema } from '../engine.js'
import { operation } from './operation.js'
import { DATA_READERS, DISPATCH, SUGGESTERS } from './roles.js'

/** Suggestions: what the engine (or a person) proposes, before a dispatcher decides. */

export const listSuggestions = operation({
  name: 'suggestions:list',
  summary: 'List suggestions (open ones unless status says otherwise), a page at a time',
  description:
    'Oldest first, at most 1,000 (limit) a page, as the seed\'s plain array. When more follow, the answer carries `X-Next-Cursor: <cursor>` and `Link: </suggestions?...&cursor=<cursor>>; rel="next"`: ask again with that cursor for the next page. No such header: this was the last page.',
  roles: DATA_READERS,
  input: suggestionListFilterSchema,
  output: z.array(suggestionSchema),
  route: {
    method: 'get',
    path: '/suggestions',
    tag: 'suggestions',
    query: suggestionListQuerySchema,
  },
  example: { status: 'open' },
})

export const createSuggestion = operation({
  name: 'suggestions:create',
  summary: 'Add a suggestion (an external engine or a dispatcher)',
  description: 'Both stations must exist in the system.',
  roles: SUGGESTERS,
  input: createSuggestionRequestSchema,
  output: suggestionSchema,
  route: {
    method: 'post',
    path: '/suggestions',
    tag: 'suggestions',
    body: createSuggestionRequestSchema,
    status: 201,
    errors: [422],
  },
  // An outside engine's: the console approves what is suggested, it does not suggest by hand.
  desktop: false,
  example: { from_station_id: '74', to_station_id: '75', qty: 4 },
})

export const rejectSuggestion = operation({
  name: 'suggestions:reject',
  summary: 'Reject an open suggestion',
  roles: DISPATCH,
  input: rejectRequestSchema.extend({ suggestion_id: idSchema }),
  output: suggestionSchema,
  route: {
    method: 'post',
    path: '/suggestions/{suggestion_id}/reject',
    tag: 'suggestions',
    params: idParams('suggestion_id'),
    body: rejectRequestSchema,
    errors: [404, 409],
  },
  example: { suggestion_id: 3, note: 'already balanced' },
})

export const undoDecision = operation({
  name: 'suggestions:undo',
  summary: 'Undo an approval or a rejection made moments ago: the suggestion is open again',
  description:
    "For the console's Undo, within 2 minutes of the decision. A rejected suggestion is open again. An approved one is open again and the task it became is canceled (it must still be ready: a crew's claim is not undone). Refused with a 409 saying why: too late, the task already handed out, the suggestion open or superseded, or a newer open suggestion for the same stations. Audited (suggestion.undo).",
  roles: DISPATCH,
  input: idInput('suggestion_id'),
  output: suggestionSchema,
  route: {
    method: 'post',
    path: '/suggestions/{suggestion_id}/undo',
    tag: 'suggestions',
    params: idParams('suggestion_id'),
    errors: [404, 409],
  },
  example: { suggestion_id: 3 },
})

export const runEngine = operation({
  name: 'suggestions:run',
  summary: 'Run the suggestion engine now',
  description:
    "Fits the demand model again if trips newer than it were imported, suggests moves for the stations' latest status, and supersedes the engine's own previous open suggestions (never a dispatcher's or an outside engine's). Answers with what it did. The new suggestions and the superseding of the old ones commit together: a run that fails leaves the previous suggestions open and adds none. One run per system and policy at a time, across consoles: while one runs, another answers 409 (code engine_busy) at once.",
  roles: SUGGESTERS,
  input: engineRunRequestSchema,
  output: engineRunSummarySchema,
  route: {
    method: 'post',
    path: '/suggestions/run',
    tag: 'suggestions',
    body: engineRunRequestSchema,
    errors: [409, 422],
  },
  example: { policy: 'engine', crews: 4 },
})

export const SUGGESTIONS = [
  listSuggestions,
  createSuggestion,
  rejectSuggestion,
  undoDecision,
  runEngine,
] as const
