import { z } from 'zod'
import { NONE, operation } from './operation.js'
import { READERS } from './roles.js'

/** The suggestion engine's demand model per system, for the System page. */

const modelCheckSchema = z
  .object({
    checked_at: z.string(),
    held_out_from: z.string(),
    held_out_to: z.string(),
    held_out_days: z.int(),
    previous_version: z.int(),
    previous_mae: z.number(),
    new_mae: z.number(),
    kept_previous: z.boolean(),
  })
  .strict()

export const engineModelSchema = z
  .object({
    system_id: z.string(),
    active: z
      .object({
        version: z.int(),
        fitted_from: z.string(),
        fitted_to: z.string(),
        trained_at: z.string(),
        weekdays: z.int(),
        weekend_days: z.int(),
        mae: z.number().nullable(),
        baseline_mae: z.number().nullable(),
      })
      .strict()
      .nullable(),
    /** The last comparison of the model in use with a new fit on held-out days. */
    last_check: modelCheckSchema.nullable(),
  })
  .strict()
export type EngineModelStatus = z.output<typeof engineModelSchema>

export const engineModels = operation({
  name: 'engine:models',
  summary: "Each system's demand model in use, and whether the last new fit replaced it",
  description:
    'A new fit is measured on the last 7 days with trips (fitted without them); when the model in use did not see those days and erred less on them, it is kept. `last_check` gives both errors (MAE of 15-minute counts).',
  roles: READERS,
  input: NONE,
  output: z.array(engineModelSchema),
  route: { method: 'get', path: '/engine/models', tag: 'suggestions' },
  example: undefined,
})

export const ENGINE_MODEL = [engineModels] as const
