import { z } from 'zod'
import {
  devicePositionFields,
  isoTime,
  LAT_LON_TOGETHER,
  latLonTogether,
  optionalText,
  RELEASE_REASONS,
  stationIdSchema,
  taskSchema,
} from './dispatch.js'
import { shiftSchema } from './shift.js'

export { RELEASE_REASONS, shiftSchema }
export type { ReleaseReason } from './dispatch.js'
export type { Shift } from './shift.js'

/**
 * The crew's working day (issue 15): shifts, the task screen, pickups, give-backs with a reason,
 * problem reports. Every request and answer of those routes, one zod schema each, shared by the
 * server, the phone app and the console.
 */

const bikeCount = (max: number) =>
  z.int('must be a whole number').min(0, 'must not be negative').max(max, `must be at most ${max}`)

export const shiftStartRequestSchema = z
  .object({
    van_capacity: z.int('must be a whole number').min(1, 'must be at least 1').max(200),
    bikes_on_board: bikeCount(200),
    ...devicePositionFields,
  })
  .strict()
  .refine(latLonTogether, LAT_LON_TOGETHER)
  .refine((body) => body.bikes_on_board <= body.van_capacity, {
    message: 'must not exceed van_capacity',
    path: ['bikes_on_board'],
  })
export type ShiftStartRequest = z.infer<typeof shiftStartRequestSchema>

export const shiftEndRequestSchema = z.object({ bikes_on_board: bikeCount(200) }).strict()
export type ShiftEndRequest = z.infer<typeof shiftEndRequestSchema>

/**
 * What crew-work adds to `GET /crew/me` (crew-access makes the route): optional, so that either
 * branch can be merged first.
 */
export const crewMeWorkFields = {
  shift: shiftSchema.nullable().optional().meta({ description: 'The open shift, if any.' }),
  bikes_moved_today: z.int().optional(),
}
export const crewSummarySchema = z.object(crewMeWorkFields).meta({ id: 'CrewWorkSummary' })
export type CrewSummary = z.infer<typeof crewSummarySchema>

export const crewStationSchema = z
  .object({
    station_id: z.string(),
    name: z.string(),
    short_name: z.string().nullable(),
    lat: z.number(),
    lon: z.number(),
    bikes: z.int().nullable(),
    docks: z.int().nullable(),
    capacity: z.int().nullable(),
    reported_at: isoTime.nullable(),
    stale: z.boolean().meta({ description: 'The live numbers are not current (see GET /feeds).' }),
  })
  .meta({ id: 'CrewStation' })
export type CrewStation = z.infer<typeof crewStationSchema>

/** A task with what a picked-up quantity adds (the answer to a pickup). */
export const pickedTaskSchema = taskSchema
  .extend({
    qty_picked: z.int().nullable().meta({ description: 'Bikes the crew took at the source.' }),
  })
  .meta({ id: 'PickedTask' })
export type PickedTask = z.infer<typeof pickedTaskSchema>

export const crewTaskSchema = pickedTaskSchema
  .extend({
    from: crewStationSchema,
    to: crewStationSchema,
    distance_m: z.int().nullable().meta({
      description: "Straight line from the van's last known position to the source.",
    }),
    reason: z.string().meta({ description: 'Why the move, in words.' }),
  })
  .meta({ id: 'CrewTask', description: "The task a crew holds, with both stations' live data." })
export type CrewTask = z.infer<typeof crewTaskSchema>

export const crewTaskAnswerSchema = z.object({ task: crewTaskSchema.nullable() })
export type CrewTaskAnswer = z.infer<typeof crewTaskAnswerSchema>

export const pickupRequestSchema = z.object({ qty_picked: bikeCount(1000) }).strict()
export type PickupRequest = z.infer<typeof pickupRequestSchema>

export const taskReleaseSchema = z
  .object({
    task_id: z.int(),
    crew_id: z.string(),
    at: isoTime,
    reason_code: z.enum(RELEASE_REASONS).nullable(),
    reason: z.string(),
    released_by: z.string(),
  })
  .meta({ id: 'TaskRelease', description: 'A task given back, and why.' })
export type TaskRelease = z.infer<typeof taskReleaseSchema>

export const PROBLEM_KINDS = ['broken_docks', 'station_offline', 'vandalism', 'other'] as const
export type ProblemKind = (typeof PROBLEM_KINDS)[number]

/** Decoded photo bytes at most; the JSON body of POST /problems may carry that as base64. */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024

export const problemRequestSchema = z
  .object({
    station_id: stationIdSchema,
    system_id: z.string().trim().min(1).max(64).optional().meta({
      description: 'Needed only when two systems have a station of this id.',
    }),
    kind: z.enum(PROBLEM_KINDS),
    note: optionalText(1000),
    photo: z
      .string()
      .max(Math.ceil((MAX_PHOTO_BYTES * 4) / 3) + 64, 'is larger than 2 MB')
      .optional()
      .meta({ description: 'data:image/jpeg;base64,... (or png, webp); at most 2 MB decoded.' }),
  })
  .strict()
export type ProblemRequest = z.infer<typeof problemRequestSchema>

export const problemSchema = z
  .object({
    problem_id: z.int(),
    system_id: z.string(),
    station_id: z.string(),
    station_name: z.string(),
    kind: z.enum(PROBLEM_KINDS),
    note: z.string().nullable(),
    has_photo: z.boolean(),
    reported_by: z.string(),
    crew_id: z.string().nullable(),
    created_at: isoTime,
    resolved_at: isoTime.nullable(),
    resolved_by: z.string().nullable(),
    resolution_note: z.string().nullable(),
  })
  .meta({ id: 'Problem' })
export type Problem = z.infer<typeof problemSchema>

export const problemListQuerySchema = z
  .object({
    status: z.enum(['open', 'resolved', 'all']).optional().meta({ description: 'Default: open.' }),
    station_id: z.string().trim().min(1).max(128).optional(),
  })
  .strict()
export type ProblemListQuery = z.infer<typeof problemListQuerySchema>

export const resolveProblemRequestSchema = z.object({ note: optionalText(1000) }).strict()
export type ResolveProblemRequest = z.infer<typeof resolveProblemRequestSchema>

/** What GET /crew/events sends as a `task` event. */
export const crewTaskEventSchema = z.object({
  id: z.int(),
  status: z.string(),
  change: z.enum(['canceled', 'changed', 'assigned']),
  reason: z.string().nullable(),
})
export type CrewTaskEvent = z.infer<typeof crewTaskEventSchema>
