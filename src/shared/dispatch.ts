import { z } from 'zod'
import { digitsParam } from './schema-parts.js'
import { shiftSchema } from './shift.js'

/**
 * The dispatch API's shapes, one zod schema each: the HTTP edge validates with them, the OpenAPI
 * document is generated from them, the IPC edge checks the renderer's requests with them, and the
 * renderer compiles against the types inferred from them.
 *
 * The seed's fields (seed 001) keep their names and meaning; everything else is only added.
 * Station ids are strings (GBFS ids are "74", UUIDs, "5065.10"); times are ISO-8601 with offset.
 */

export const ROLES = ['crew', 'dispatcher', 'analyst', 'engine'] as const
export type Role = (typeof ROLES)[number]

export const TASK_STATUSES = ['ready', 'assigned', 'completed', 'canceled'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]

export const SUGGESTION_STATUSES = ['open', 'approved', 'rejected', 'superseded'] as const
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number]

export const SUGGESTION_SOURCES = ['engine', 'seed_heuristic', 'dispatcher', 'external'] as const
export type SuggestionSource = (typeof SUGGESTION_SOURCES)[number]

/** A database id: a positive whole number (JSON number or, in a path or query, digits). */
export const idSchema = z
  .int('must be a whole number')
  .positive('must be a positive whole number')
  .max(Number.MAX_SAFE_INTEGER, 'is too large')

/** An id as it arrives in a path or query string. */
export const idParamSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(idSchema)

/** `{ <name>: id }`: an operation's input naming one row (task_id, token_id, ...). */
export const idInput = <K extends string>(name: K) =>
  z.object({ [name]: idSchema } as Record<K, typeof idSchema>).strict()

/** The same id as a path parameter (`/task/{task_id}`): digits. */
export const idParams = <K extends string>(name: K) =>
  z.object({ [name]: idParamSchema } as Record<K, typeof idParamSchema>).strict()

/** A task's path parameter, `/task/{task_id}/...`. */
export const taskParamsSchema = idParams('task_id')

/** The seed's `worker_id`: a crew's id. */
export const crewIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/,
    'must be 1-64 letters, digits or _ . : - (starting with a letter or digit)',
  )

/**
 * A station id. GBFS ids are strings; the seed's clients sent integers, which are accepted and
 * kept as the same digits.
 */
export const stationIdSchema = z
  .union([z.string(), z.int().nonnegative()], { error: 'must be a string (a GBFS station_id)' })
  .transform(String)
  .pipe(z.string().trim().min(1, 'must not be empty').max(128, 'is longer than 128 characters'))

export const isoTime = z.iso.datetime({ offset: true })

/** Bikes a move asks for. */
export const moveQtySchema = z
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(200, 'must be at most 200')
export const optionalText = (max: number) =>
  z.string().trim().max(max, `is longer than ${max} characters`).optional()

export const taskSchema = z
  .object({
    id: z.int(),
    from_station_id: z.string(),
    to_station_id: z.string(),
    qty: z.int(),
    reason: z.string().nullable(),
    status: z.enum(TASK_STATUSES),
    worker_id: z.string().nullable(),
    created_at: isoTime,
    system_id: z.string(),
    priority: z.number().meta({ description: 'Dispatch order: highest first, then oldest.' }),
    qty_moved: z.int().nullable().meta({ description: 'What the crew reported it moved.' }),
    note: z.string().nullable(),
    suggestion_id: z.int().nullable(),
    assigned_at: isoTime.nullable(),
    completed_at: isoTime.nullable(),
    canceled_at: isoTime.nullable(),
    updated_at: isoTime,
    lease_expires_at: isoTime.nullable().meta({
      description: 'When an assigned task turns stale if the crew has not completed it.',
    }),
    stale: z.boolean().meta({
      description: 'Assigned longer than the lease: the dispatcher should check on the crew.',
    }),
    for_crew: z.string().nullable().meta({
      description: 'The crew a dispatcher assigned this ready task to: only its claim gets it.',
    }),
  })
  .meta({ id: 'Task', description: 'A rebalancing task (the seed fields first).' })
export type Task = z.infer<typeof taskSchema>

/**
 * The answer to POST /dispatch/next: the task, and whether the crew already held it. A crew works
 * one task at a time, so a claim by a crew that holds one (a retry after a lost answer) returns
 * that task again with `already_held: true` rather than a second one.
 */
export const claimedTaskSchema = taskSchema
  .extend({
    already_held: z.boolean().meta({
      description:
        'true: the crew already held this task (an earlier claim, e.g. one whose answer was lost) and nothing changed; false: handed out by this claim.',
    }),
  })
  .meta({
    id: 'ClaimedTask',
    description: 'A claimed task: the Task fields, then whether the crew already held it.',
  })
export type ClaimedTask = z.infer<typeof claimedTaskSchema>

export const suggestionSchema = z
  .object({
    id: z.int(),
    from_station_id: z.string(),
    to_station_id: z.string(),
    qty: z.int(),
    reason: z.string(),
    system_id: z.string(),
    source: z.enum(SUGGESTION_SOURCES),
    value: z.number().meta({ description: 'Estimated worth; becomes the task priority.' }),
    status: z.enum(SUGGESTION_STATUSES),
    created_at: isoTime,
    created_by: z.string().nullable(),
    decided_at: isoTime.nullable(),
    decided_by: z.string().nullable(),
    decision_note: z.string().nullable(),
    task_id: z.int().nullable().meta({ description: 'The task an approval created.' }),
    from_bikes: z.int().nullable().meta({
      description: 'Bikes at the source when it was proposed (null: not known). Not live.',
    }),
    from_docks: z.int().nullable().meta({
      description: 'Free docks at the source when it was proposed (null: not known). Not live.',
    }),
    to_bikes: z.int().nullable().meta({
      description: 'Bikes at the sink when it was proposed (null: not known). Not live.',
    }),
    to_docks: z.int().nullable().meta({
      description: 'Free docks at the sink when it was proposed (null: not known). Not live.',
    }),
  })
  .meta({ id: 'Suggestion', description: 'A proposed move of bikes between two stations.' })
export type Suggestion = z.infer<typeof suggestionSchema>

export const CREW_HEALTH = ['Healthy', 'Warning', 'Critical', 'Never seen'] as const
export type CrewHealth = (typeof CREW_HEALTH)[number]

export const crewSchema = z
  .object({
    crew_id: z.string(),
    name: z.string(),
    van_capacity: z.int().nullable(),
    last_seen_at: isoTime.nullable(),
    last_position: z.object({ lat: z.number(), lon: z.number() }).nullable(),
    health: z.enum(CREW_HEALTH).meta({
      description: 'Healthy: seen within 5 min; Warning: within 15 min; Critical: longer ago.',
    }),
    assigned_tasks: z.int(),
    active_tokens: z.int(),
    shift: shiftSchema.nullable().optional().meta({ description: 'The open shift, if any.' }),
    task_id: z.int().nullable().optional().meta({ description: 'The task the crew holds.' }),
    bikes_moved_today: z.int().optional().meta({
      description: 'qty_moved of the tasks the crew completed since midnight (server time).',
    }),
  })
  .meta({ id: 'Crew' })
export type Crew = z.infer<typeof crewSchema>

export const tokenInfoSchema = z
  .object({
    token_id: z.int(),
    name: z.string(),
    role: z.enum(ROLES),
    crew_id: z.string().nullable(),
    token_prefix: z.string(),
    created_at: isoTime,
    created_by: z.string().nullable(),
    last_used_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
  })
  .meta({ id: 'TokenInfo', description: 'An API token, without the secret.' })
export type TokenInfo = z.infer<typeof tokenInfoSchema>

export const sessionSchema = z
  .object({
    name: z.string().meta({ description: 'The token\'s name, or "console" for the desktop app.' }),
    role: z.enum(ROLES),
    crew_id: z.string().nullable(),
    token_id: z.int().nullable(),
  })
  .meta({ id: 'Session', description: 'Who the caller is: the role decides what it may do.' })
export type Session = z.infer<typeof sessionSchema>

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

export const approveRequestSchema = z
  .object({
    suggestion_id: idSchema,
    priority: z.number().optional().meta({
      description: "Overrides the suggestion's value as the task's dispatch priority.",
    }),
    note: optionalText(500),
    qty: moveQtySchema.optional().meta({
      description: "Approve fewer bikes than suggested (at most the suggestion's qty).",
    }),
  })
  .strict()
export type ApproveRequest = z.infer<typeof approveRequestSchema>

export const MAX_BATCH = 500

export const approveBatchRequestSchema = z
  .object({
    suggestion_ids: z
      .array(idSchema)
      .min(1, 'must name at least one suggestion')
      .max(MAX_BATCH, `must name at most ${MAX_BATCH} suggestions`)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
    note: optionalText(500),
  })
  .strict()
export type ApproveBatchRequest = z.infer<typeof approveBatchRequestSchema>

export const dispatchRequestSchema = z
  .object({
    worker_id: crewIdSchema.optional().meta({
      description: "The crew's id. A crew token may omit it; if sent it must be the token's crew.",
    }),
  })
  .strict()
export type DispatchRequest = z.infer<typeof dispatchRequestSchema>

export const completeRequestSchema = z
  .object({
    qty_moved: z.int('must be a whole number').min(0, 'must not be negative').max(1000).optional(),
    note: optionalText(1000),
  })
  .strict()
export type CompleteRequest = z.infer<typeof completeRequestSchema>

/** Why a crew gives a task back ("Can't do"), as the phone offers them. */
export const RELEASE_REASONS = [
  'station_blocked',
  'fewer_bikes',
  'no_docks',
  'van_full',
  'station_broken',
  'other',
] as const
export type ReleaseReason = (typeof RELEASE_REASONS)[number]

export const releaseRequestSchema = z
  .object({
    reason: z
      .string({ error: 'is required: say why the task is given back' })
      .trim()
      .min(1, 'is required: say why the task is given back')
      .max(500, 'is longer than 500 characters'),
    reason_code: z.enum(RELEASE_REASONS).optional().meta({
      description:
        "The phone's choice; the same task is then not handed to this crew again for 30 minutes.",
    }),
  })
  .strict()
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>

export const cancelRequestSchema = z.object({ reason: optionalText(500) }).strict()
export type CancelRequest = z.infer<typeof cancelRequestSchema>

export const rejectRequestSchema = z.object({ note: optionalText(500) }).strict()
export type RejectRequest = z.infer<typeof rejectRequestSchema>

export const createSuggestionRequestSchema = z
  .object({
    system_id: z.string().trim().min(1).max(64).optional().meta({
      description: 'Required when the database holds more than one system.',
    }),
    from_station_id: stationIdSchema,
    to_station_id: stationIdSchema,
    qty: moveQtySchema,
    reason: optionalText(1000),
    value: z.number().optional(),
  })
  .strict()
  .refine((body) => body.from_station_id !== body.to_station_id, {
    message: 'must differ from from_station_id',
    path: ['to_station_id'],
  })
export type CreateSuggestionRequest = z.infer<typeof createSuggestionRequestSchema>

/** Where a crew's device is, and its battery: sent with a heartbeat and a shift's start. */
export const devicePositionFields = {
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  battery: z.number().min(0).max(1).optional().meta({ description: 'Device battery, 0 to 1.' }),
}

/** A position is both coordinates or neither. */
export const latLonTogether = (body: { lat?: number; lon?: number }): boolean =>
  (body.lat === undefined) === (body.lon === undefined)
export const LAT_LON_TOGETHER = { message: 'lat and lon come together', path: ['lon'] }

export const heartbeatRequestSchema = z
  .object({
    worker_id: crewIdSchema.optional(),
    ...devicePositionFields,
  })
  .strict()
  .refine(latLonTogether, LAT_LON_TOGETHER)
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>

const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true')

export const MAX_PAGE = 200

const taskListFields = {
  status: z.enum(TASK_STATUSES).optional(),
  crew: crewIdSchema.optional(),
  station: z.string().trim().min(1).max(128).optional().meta({
    description: 'Tasks from or to this station id.',
  }),
  system: z.string().trim().min(1).max(64).optional(),
}
const cursorSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a cursor returned as next_cursor')
  .meta({ description: 'The next_cursor of the previous page.' })
const pageLimit = z.int().min(1, 'must be at least 1').max(MAX_PAGE, `must be at most ${MAX_PAGE}`)

/** Which tasks, as the console asks for them over IPC. */
export const taskListFilterSchema = z
  .object({
    ...taskListFields,
    stale: z.boolean().optional(),
    limit: pageLimit.optional(),
    cursor: cursorSchema.optional(),
  })
  .strict()
export type TaskListFilter = z.infer<typeof taskListFilterSchema>

/** The same, as a query string: GET /tasks?status=&crew=&station=&stale=&limit=&cursor=. */
export const taskListQuerySchema = z
  .object({
    ...taskListFields,
    stale: booleanParam.optional(),
    limit: digitsParam(4).pipe(pageLimit).optional(),
    cursor: cursorSchema.optional(),
  })
  .strict()

export const taskPageSchema = z
  .object({ tasks: z.array(taskSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'TaskPage', description: 'Newest first; pass next_cursor to get the next page.' })
export type TaskPage = z.infer<typeof taskPageSchema>

export const createTokenRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'is longer than 100 characters'),
    role: z.enum(ROLES),
    crew_id: crewIdSchema.optional(),
    van_capacity: z.int().min(1).max(200).optional(),
  })
  .strict()
export type CreateTokenRequest = z.infer<typeof createTokenRequestSchema>

/** A new token: the secret is in this answer and nowhere else, ever. */
export interface CreatedToken {
  token: string
  info: TokenInfo
}

/** Tasks by status right now, and how many assigned ones are past their lease. */
export interface TaskSummary {
  byStatus: Record<TaskStatus, number>
  stale: number
}
