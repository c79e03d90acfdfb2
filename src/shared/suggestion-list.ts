import { z } from 'zod'
import { SUGGESTION_STATUSES, type Suggestion } from './dispatch.js'

/** Which suggestions GET /suggestions (and the console, over IPC) asks for, a page at a time. */

/** A page of GET /suggestions: at most this many, oldest first (the seed's first 1,000). */
export const SUGGESTION_PAGE = 1_000

const suggestionListFields = {
  status: z
    .enum([...SUGGESTION_STATUSES, 'all'])
    .optional()
    .meta({ description: 'Default: open.' }),
  system: z.string().trim().min(1).max(64).optional(),
  station: z.string().trim().min(1).max(128).optional().meta({
    description: 'Suggestions from or to this station id.',
  }),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a cursor returned in X-Next-Cursor')
    .optional()
    .meta({
      description:
        'The X-Next-Cursor header of the previous page (the id of its last suggestion): the suggestions after it.',
    }),
}
const suggestionPageLimit = z
  .int()
  .min(1, 'must be at least 1')
  .max(SUGGESTION_PAGE, `must be at most ${SUGGESTION_PAGE}`)

/** Which suggestions, as the console asks for them over IPC. */
export const suggestionListFilterSchema = z
  .object({ ...suggestionListFields, limit: suggestionPageLimit.optional() })
  .strict()
export type SuggestionListFilter = z.output<typeof suggestionListFilterSchema>

/** The same, as a query string: GET /suggestions?status=&system=&station=&limit=&cursor=. */
export const suggestionListQuerySchema = z
  .object({
    ...suggestionListFields,
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'must be a whole number')
      .transform(Number)
      .pipe(suggestionPageLimit)
      .optional()
      .meta({ description: `At most this many (default and most: ${SUGGESTION_PAGE}).` }),
  })
  .strict()

/** A page of suggestions and the cursor of the next (null: this was the last). */
export interface SuggestionPage {
  suggestions: Suggestion[]
  next_cursor: string | null
}
