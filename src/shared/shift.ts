import { z } from 'zod'

const isoTime = z.iso.datetime({ offset: true })

/** A crew's shift (issue 15): apart so that the dispatch and crew-work contracts both name it. */
export const shiftSchema = z
  .object({
    shift_id: z.int(),
    crew_id: z.string(),
    started_at: isoTime,
    ended_at: isoTime.nullable(),
    van_capacity: z.int(),
    bikes_on_board: z.int().meta({
      description: 'On board now: as reported at the start while open, at the end once ended.',
    }),
    bikes_moved: z.int().meta({ description: 'qty_moved of the tasks completed in the shift.' }),
  })
  .meta({ id: 'Shift' })
export type Shift = z.infer<typeof shiftSchema>
