import { z } from 'zod'
import { crewIdSchema, idSchema, moveQtySchema, optionalText, stationIdSchema } from './dispatch.js'

/** Moves a dispatcher makes by hand, and the ready tasks a dispatcher changes or assigns. */

const priority = z
  .number('must be a number')
  .min(-1_000_000, 'must be at least -1000000')
  .max(1_000_000, 'must be at most 1000000')

const differentEnds = {
  check: (body: { from_station_id: string; to_station_id: string }) =>
    body.from_station_id !== body.to_station_id,
  error: { message: 'must differ from from_station_id', path: ['to_station_id'] },
}

export const newTaskFields = z
  .object({
    system_id: z.string().trim().min(1).max(64).optional().meta({
      description: 'Required when the database holds more than one system.',
    }),
    from_station_id: stationIdSchema,
    to_station_id: stationIdSchema,
    qty: moveQtySchema,
    priority: priority.optional().meta({ description: 'Dispatch order (default 0).' }),
    reason: optionalText(1000),
    crew_id: crewIdSchema.optional().meta({
      description: 'Assign it to this crew: only its claim gets it, before anything else.',
    }),
  })
  .strict()
export const newTaskRequestSchema = newTaskFields.refine(differentEnds.check, differentEnds.error)
export type NewTaskRequest = z.infer<typeof newTaskRequestSchema>

export const taskChangeFields = z
  .object({ qty: moveQtySchema.optional(), priority: priority.optional() })
  .strict()
const somethingToChange = {
  check: (body: { qty?: number; priority?: number }) =>
    body.qty !== undefined || body.priority !== undefined,
  error: { message: 'say the new qty, the new priority or both', path: ['qty'] },
}
export const taskChangeRequestSchema = taskChangeFields.refine(
  somethingToChange.check,
  somethingToChange.error,
)
export type TaskChangeRequest = z.infer<typeof taskChangeRequestSchema>
export const taskChangeInputSchema = taskChangeFields
  .extend({ task_id: idSchema })
  .refine(somethingToChange.check, somethingToChange.error)

export const taskAssignRequestSchema = z
  .object({
    crew_id: crewIdSchema.nullable().meta({
      description: 'The crew whose claim gets this ready task; null: any crew again.',
    }),
  })
  .strict()
export type TaskAssignRequest = z.infer<typeof taskAssignRequestSchema>
export const taskAssignInputSchema = taskAssignRequestSchema.extend({ task_id: idSchema })
