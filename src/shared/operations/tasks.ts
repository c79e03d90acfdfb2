import { z } from 'zod'
import {
  approveBatchRequestSchema,
  approveRequestSchema,
  cancelRequestSchema,
  claimedTaskSchema,
  completeRequestSchema,
  dispatchRequestSchema,
  idInput,
  idSchema,
  releaseRequestSchema,
  suggestionSchema,
  TASK_STATUSES,
  taskListFilterSchema,
  taskListQuerySchema,
  taskPageSchema,
  taskParamsSchema,
  taskSchema,
  type TaskSummary,
} from '../dispatch.js'
import {
  newTaskRequestSchema,
  taskAssignInputSchema,
  taskAssignRequestSchema,
  taskChangeInputSchema,
  taskChangeRequestSchema,
} from '../task-moves.js'
import { NONE, operation, shaped } from './operation.js'
import { CREW_WORK, DISPATCH, READERS, TASK_READERS } from './roles.js'

/** Tasks: approved from suggestions, claimed and completed by crews, followed on the board. */

export const approveTask = operation({
  name: 'tasks:approve',
  summary: 'Approve a suggestion into a ready task',
  description:
    "The suggestion is kept as approved (the seed deleted it); approving it again is a 409 naming the task it became. The task's priority is the suggestion's value unless given. `qty` approves fewer bikes than suggested. The move is checked against the stations' latest status in the approval's transaction: a source with fewer bikes or a sink with fewer free docks than the qty is a 409 `move_does_not_fit` naming the station, with `fits_qty`, the bikes that would still fit (approve that qty instead).",
  roles: DISPATCH,
  input: approveRequestSchema,
  output: taskSchema,
  route: {
    method: 'post',
    path: '/task/approve',
    tag: 'tasks',
    body: approveRequestSchema,
    errors: [404, 409, 422],
  },
  example: { suggestion_id: 3 },
})

export const createTask = operation({
  name: 'tasks:create',
  summary: 'Make a move by hand: a ready task from, to, qty',
  description:
    "Checked as an approval is: both stations must exist (422 naming the field), and the move must fit the stations' latest status (409 `move_does_not_fit` with `fits_qty`). With `crew_id` only that crew's claim gets it, first; a qty above that crew's van is a 422. Audited as task.create. Retry-safe with an Idempotency-Key.",
  roles: DISPATCH,
  input: newTaskRequestSchema,
  output: taskSchema,
  route: {
    method: 'post',
    path: '/tasks',
    tag: 'tasks',
    body: newTaskRequestSchema,
    status: 201,
    errors: [409, 422],
    idempotent: true,
  },
  example: { from_station_id: '74', to_station_id: '75', qty: 4, reason: 'event at the park' },
})

export const changeTask = operation({
  name: 'tasks:change',
  summary: "Change a ready task's bikes or priority",
  description:
    'Only a ready task (409 otherwise). A new qty is checked as an approval is (409 `move_does_not_fit` with `fits_qty`). The same values again change nothing (a retry). Audited as task.change.',
  roles: DISPATCH,
  input: taskChangeInputSchema,
  output: taskSchema,
  route: {
    method: 'patch',
    path: '/tasks/{task_id}',
    tag: 'tasks',
    params: taskParamsSchema,
    body: taskChangeRequestSchema,
    errors: [404, 409, 422],
  },
  example: { task_id: 9, qty: 3 },
})

export const assignTask = operation({
  name: 'tasks:assign',
  summary: 'Assign a ready task to a crew (or to any crew again)',
  description:
    "Only that crew's claim gets it, before anything else in its queue; a give-back makes it anyone's again. Only a ready task (409 otherwise); an unknown crew, or one whose van is smaller than the task, is a 422 naming crew_id. The same crew again changes nothing (a retry). Audited as task.assign.",
  roles: DISPATCH,
  input: taskAssignInputSchema,
  output: taskSchema,
  route: {
    method: 'post',
    path: '/tasks/{task_id}/assign',
    tag: 'tasks',
    params: taskParamsSchema,
    body: taskAssignRequestSchema,
    errors: [404, 409, 422],
  },
  example: { task_id: 9, crew_id: 'van-1' },
})

export const approveBatch = operation({
  name: 'tasks:approveBatch',
  summary: 'Approve several suggestions: all of them or none',
  roles: DISPATCH,
  input: approveBatchRequestSchema,
  output: z.array(taskSchema),
  route: {
    method: 'post',
    path: '/task/approve-batch',
    tag: 'tasks',
    body: approveBatchRequestSchema,
    errors: [404, 409],
  },
  example: { suggestion_ids: [3, 4] },
})

export const claimNext = operation({
  name: 'dispatch:next',
  summary:
    'Claim the next task (highest priority, then nearest, then oldest), or the one the crew holds',
  description:
    "A crew works one task at a time: a crew that already holds an assigned task gets that same task back (200, `already_held: true`, nothing changes) until it completes it or gives it back, so a claim retried after a lost answer never hands out a second task. Otherwise one short transaction with FOR UPDATE SKIP LOCKED: concurrent crews never get the same task (`already_held: false`). A crew's worker_id comes from its token; a dispatcher names the crew. A crew is not handed a task larger than its van. Order: highest priority first; of equal priorities, the shortest drive from the crew's last known position (its latest heartbeat with lat/lon) to the source, estimated as the engine estimates drives (straight line times its detour factor, at its van speed); then the oldest. A crew with no known position gets the highest priority, then the oldest (the seed's order). A task the crew gave back with a reason_code is not handed to it again for 30 minutes.",
  roles: CREW_WORK,
  input: dispatchRequestSchema,
  output: claimedTaskSchema,
  route: {
    method: 'post',
    path: '/dispatch/next',
    tag: 'tasks',
    body: dispatchRequestSchema,
    errors: [404],
    idempotent: true,
  },
  desktop: false,
  example: { worker_id: 'van-1' },
})

export const listTasks = operation({
  name: 'tasks:list',
  summary: 'List tasks, newest first, a page at a time',
  description: 'A crew token lists its own tasks only.',
  roles: TASK_READERS,
  input: taskListFilterSchema,
  output: taskPageSchema,
  route: { method: 'get', path: '/tasks', tag: 'tasks', query: taskListQuerySchema },
  example: { status: 'assigned', stale: true, limit: 20 },
})

export const taskSummary = operation({
  name: 'tasks:summary',
  summary: 'Tasks by status now, and how many assigned ones are past their lease',
  roles: READERS,
  input: NONE,
  output: shaped<TaskSummary>(
    z.object({ byStatus: z.record(z.enum(TASK_STATUSES), z.int()), stale: z.int() }),
  ),
  route: { method: 'get', path: '/tasks/summary', tag: 'tasks' },
  example: undefined,
})

const isoTime = z.iso.datetime({ offset: true })

/** Everything known about one task, for the dispatcher who asks "what happened to it?". */
export const taskDetailSchema = z
  .object({
    task: taskSchema,
    suggestion: suggestionSchema.nullable().meta({ description: 'What it was approved from.' }),
    qty: z.object({
      asked: z.int().meta({ description: 'Bikes the task asks to move.' }),
      moved: z.int().nullable().meta({ description: 'What the crew reported, once completed.' }),
    }),
    note: z.string().nullable().meta({
      description:
        "The dispatcher's note from the approval, or the crew's sent with the completion.",
    }),
    assignments: z
      .array(
        z.object({
          worker_id: z.string(),
          assigned_at: isoTime,
          ended_at: isoTime.nullable(),
          outcome: z.enum(['completed', 'released', 'canceled']).nullable(),
          reason: z.string().nullable().meta({ description: 'Why it ended (a release’s reason).' }),
        }),
      )
      .meta({ description: 'Each hand-out to a crew, oldest first; the open one has no end.' }),
    releases: z
      .array(z.object({ worker_id: z.string(), at: isoTime, reason: z.string().nullable() }))
      .meta({ description: 'The hand-outs given back, with the crew’s reason.' }),
    audit: z
      .array(
        z.object({
          at: isoTime,
          action: z.string(),
          actor: z.string(),
          actor_role: z.string().nullable(),
          detail: z.record(z.string(), z.unknown()),
        }),
      )
      .meta({ description: 'The audit log’s rows for the task, oldest first.' }),
  })
  .meta({ id: 'TaskDetail' })
export type TaskDetail = z.infer<typeof taskDetailSchema>

export const taskDetail = operation({
  name: 'tasks:get',
  summary: "One task's detail: its suggestion, hand-outs, releases, the crew's note, its audit",
  description: 'A crew token reads its own tasks only.',
  roles: TASK_READERS,
  input: idInput('task_id'),
  output: taskDetailSchema,
  route: {
    method: 'get',
    path: '/tasks/{task_id}',
    tag: 'tasks',
    params: taskParamsSchema,
    errors: [404],
  },
  example: { task_id: 9 },
})

export const getTask = operation({
  name: 'tasks:one',
  summary: 'One task',
  roles: TASK_READERS,
  input: idInput('task_id'),
  output: taskSchema,
  route: {
    method: 'get',
    path: '/task/{task_id}',
    tag: 'tasks',
    params: taskParamsSchema,
    errors: [404],
  },
  // The crew's app reads its task here; the console reads a task's detail (tasks:get).
  desktop: false,
  example: { task_id: 9 },
})

export const completeTask = operation({
  name: 'tasks:complete',
  summary: 'Complete an assigned task',
  description:
    'The body is optional (the seed sent none); it may carry the quantity actually moved and a note. Completing a ready or canceled task is a 409. Completing it again with the same body (a retry) returns it unchanged, a 200 that changes nothing; again with another qty_moved or note is a 409 naming the recorded one (a field left out is not a difference).',
  roles: CREW_WORK,
  input: completeRequestSchema.extend({ task_id: idSchema }),
  output: taskSchema,
  route: {
    method: 'post',
    path: '/task/{task_id}/complete',
    tag: 'tasks',
    params: taskParamsSchema,
    body: completeRequestSchema,
    errors: [404, 409],
    idempotent: true,
  },
  desktop: false,
  example: { task_id: 9, qty_moved: 4 },
})

export const releaseTask = operation({
  name: 'tasks:release',
  summary: 'Give an assigned task back to the queue, with a reason',
  description:
    'The crew may then claim another. Giving back a task that is no longer assigned is a 409. With a reason_code (the phone\'s "Can\'t do"), the same task is not handed back to that crew for 30 minutes; every give-back and its reason is listed by GET /task/{task_id}/releases.',
  roles: CREW_WORK,
  input: releaseRequestSchema.extend({ task_id: idSchema }),
  output: taskSchema,
  route: {
    method: 'post',
    path: '/task/{task_id}/release',
    tag: 'tasks',
    params: taskParamsSchema,
    body: releaseRequestSchema,
    errors: [404, 409],
    idempotent: true,
  },
  desktop: false,
  example: { task_id: 9, reason: 'van broke down' },
})

export const cancelTask = operation({
  name: 'tasks:cancel',
  summary: 'Cancel a ready or assigned task',
  roles: DISPATCH,
  input: cancelRequestSchema.extend({ task_id: idSchema }),
  output: taskSchema,
  route: {
    method: 'post',
    path: '/task/{task_id}/cancel',
    tag: 'tasks',
    params: taskParamsSchema,
    body: cancelRequestSchema,
    errors: [404, 409],
  },
  example: { task_id: 9 },
})

export const TASKS = [
  approveTask,
  approveBatch,
  claimNext,
  createTask,
  listTasks,
  taskSummary,
  taskDetail,
  changeTask,
  assignTask,
  getTask,
  completeTask,
  releaseTask,
  cancelTask,
] as const
