import { z } from 'zod'
import {
  approveBatchRequestSchema,
  approveRequestSchema,
  cancelRequestSchema,
  claimedTaskSchema,
  completeRequestSchema,
  createSuggestionRequestSchema,
  crewSchema,
  dispatchRequestSchema,
  heartbeatRequestSchema,
  idParamSchema,
  rejectRequestSchema,
  releaseRequestSchema,
  suggestionListQuerySchema,
  suggestionSchema,
  taskListQuerySchema,
  taskPageSchema,
  taskSchema,
  TASK_STATUSES,
} from '../../shared/dispatch.js'
import type { CrewsService } from '../crews/crews.service.js'
import { ApiRouter } from '../http/api-router.js'
import { IDEMPOTENCY_DESCRIPTION, type Idempotency } from '../http/idempotency.js'
import { DEFAULT_TIMING } from '../engine/moves.js'
import type { DispatchService } from './dispatch.service.js'

const taskParams = z.object({ task_id: idParamSchema }).strict()
const suggestionParams = z.object({ suggestion_id: idParamSchema }).strict()

/**
 * The seed's routes (seed 001) with its JSON shapes, and what a real depot adds in the same
 * style. Routes only validate and call the service: the Electron IPC handlers call the same one.
 * The crew's state-changing routes (claim, complete, give back, heartbeat) take an
 * Idempotency-Key: their work then runs in the transaction that records the key's answer.
 */
export function dispatchRoutes(
  dispatch: DispatchService,
  crews: CrewsService,
  idempotency: Idempotency,
): ApiRouter {
  const api = new ApiRouter()

  api.channelEndpoint(
    'suggestions:list',
    dispatch,
    {
      method: 'get',
      path: '/suggestions',
      tag: 'suggestions',
      summary: 'List suggestions (open ones unless status says otherwise)',
      access: ['dispatcher', 'analyst', 'engine'],
      query: suggestionListQuerySchema,
      response: z.array(suggestionSchema),
    },
    (listSuggestions, { query }) => listSuggestions(query),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/suggestions',
      tag: 'suggestions',
      summary: 'Add a suggestion (an external engine or a dispatcher)',
      description: 'Both stations must exist in the system.',
      access: ['engine', 'dispatcher'],
      body: createSuggestionRequestSchema,
      status: 201,
      response: suggestionSchema,
      errors: [422],
    },
    ({ body, actor }) => dispatch.createSuggestion(body, actor),
  )

  api.channelEndpoint(
    'suggestions:reject',
    dispatch,
    {
      method: 'post',
      path: '/suggestions/{suggestion_id}/reject',
      tag: 'suggestions',
      summary: 'Reject an open suggestion',
      access: ['dispatcher'],
      params: suggestionParams,
      body: rejectRequestSchema,
      response: suggestionSchema,
      errors: [404, 409],
    },
    (reject, { params, body, actor }) => reject(params.suggestion_id, body, actor),
  )

  api.channelEndpoint(
    'tasks:approve',
    dispatch,
    {
      method: 'post',
      path: '/task/approve',
      tag: 'tasks',
      summary: 'Approve a suggestion into a ready task',
      description:
        "The suggestion is kept as approved (the seed deleted it); approving it again is a 409 naming the task it became. The task's priority is the suggestion's value unless given.",
      access: ['dispatcher'],
      body: approveRequestSchema,
      response: taskSchema,
      errors: [404, 409],
    },
    (approve, { body, actor }) => approve(body, actor),
  )

  api.channelEndpoint(
    'tasks:approveBatch',
    dispatch,
    {
      method: 'post',
      path: '/task/approve-batch',
      tag: 'tasks',
      summary: 'Approve several suggestions: all of them or none',
      access: ['dispatcher'],
      body: approveBatchRequestSchema,
      response: z.array(taskSchema),
      errors: [404, 409],
    },
    (approveBatch, { body, actor }) => approveBatch(body, actor),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/dispatch/next',
      tag: 'tasks',
      summary:
        'Claim the next task (highest priority, then nearest, then oldest), or the one the crew holds',
      description: [
        `A crew works one task at a time: a crew that already holds an assigned task gets that same task back (200, \`already_held: true\`, nothing changes) until it completes it or gives it back, so a claim retried after a lost answer never hands out a second task. Otherwise one short transaction with FOR UPDATE SKIP LOCKED: concurrent crews never get the same task (\`already_held: false\`). A crew's worker_id comes from its token; a dispatcher names the crew. A crew is not handed a task larger than its van. Order: highest priority first; of equal priorities, the shortest drive from the crew's last known position (its latest heartbeat with lat/lon) to the source, estimated as the engine does (straight line x detour factor ${DEFAULT_TIMING.detour} / ${DEFAULT_TIMING.speedKmh} km/h); then the oldest. A crew with no known position gets the highest priority, then the oldest (the seed's order). A task the crew gave back with a reason_code is not handed to it again for 30 minutes.`,
        IDEMPOTENCY_DESCRIPTION,
      ].join(' '),
      access: ['crew', 'dispatcher'],
      body: dispatchRequestSchema,
      response: claimedTaskSchema,
      errors: [404],
      idempotent: true,
    },
    (ctx) => idempotency.answer(ctx, (trx) => dispatch.dispatchNext(ctx.body, ctx.actor, trx)),
  )

  api.channelEndpoint(
    'tasks:list',
    dispatch,
    {
      method: 'get',
      path: '/tasks',
      tag: 'tasks',
      summary: 'List tasks, newest first, a page at a time',
      description: 'A crew token lists its own tasks only.',
      access: ['dispatcher', 'analyst', 'crew'],
      query: taskListQuerySchema,
      response: taskPageSchema,
    },
    (listTasks, { query, actor }) => listTasks(query, actor),
  )

  api.channelEndpoint(
    'tasks:summary',
    dispatch,
    {
      method: 'get',
      path: '/tasks/summary',
      tag: 'tasks',
      summary: 'Tasks by status now, and how many assigned ones are past their lease',
      access: ['dispatcher', 'analyst'],
      response: z.object({
        byStatus: z.record(z.enum(TASK_STATUSES), z.int()),
        stale: z.int(),
      }),
    },
    (summary) => summary(),
  )

  api.endpoint(
    {
      method: 'get',
      path: '/task/{task_id}',
      tag: 'tasks',
      summary: 'One task',
      access: ['dispatcher', 'analyst', 'crew'],
      params: taskParams,
      response: taskSchema,
      errors: [404],
    },
    ({ params, actor }) => dispatch.getTask(params.task_id, actor),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/task/{task_id}/complete',
      tag: 'tasks',
      summary: 'Complete an assigned task',
      description: [
        'The body is optional (the seed sent none); it may carry the quantity actually moved and a note. Completing a ready or canceled task is a 409. Completing it again with the same body (a retry) returns it unchanged, a 200 that changes nothing; again with another qty_moved or note is a 409 naming the recorded one (a field left out is not a difference).',
        IDEMPOTENCY_DESCRIPTION,
      ].join(' '),
      access: ['crew', 'dispatcher'],
      params: taskParams,
      body: completeRequestSchema,
      response: taskSchema,
      errors: [404, 409],
      idempotent: true,
    },
    (ctx) =>
      idempotency.answer(ctx, (trx) =>
        dispatch.complete(ctx.params.task_id, ctx.body, ctx.actor, trx),
      ),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/task/{task_id}/release',
      tag: 'tasks',
      summary: 'Give an assigned task back to the queue, with a reason',
      description: [
        'The crew may then claim another. Giving back a task that is no longer assigned is a 409. With a reason_code (the phone\'s "Can\'t do"), the same task is not handed back to that crew for 30 minutes; every give-back and its reason is listed by GET /task/{task_id}/releases.',
        IDEMPOTENCY_DESCRIPTION,
      ].join(' '),
      access: ['crew', 'dispatcher'],
      params: taskParams,
      body: releaseRequestSchema,
      response: taskSchema,
      errors: [404, 409],
      idempotent: true,
    },
    (ctx) =>
      idempotency.answer(ctx, (trx) =>
        dispatch.release(ctx.params.task_id, ctx.body, ctx.actor, trx),
      ),
  )

  api.channelEndpoint(
    'tasks:cancel',
    dispatch,
    {
      method: 'post',
      path: '/task/{task_id}/cancel',
      tag: 'tasks',
      summary: 'Cancel a ready or assigned task',
      access: ['dispatcher'],
      params: taskParams,
      body: cancelRequestSchema,
      response: taskSchema,
      errors: [404, 409],
    },
    (cancel, { params, body, actor }) => cancel(params.task_id, body, actor),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/crews/heartbeat',
      tag: 'crews',
      summary: "Report that a crew's device is alive (optionally where it is)",
      description: IDEMPOTENCY_DESCRIPTION,
      access: ['crew'],
      body: heartbeatRequestSchema,
      response: crewSchema,
      errors: [404],
      idempotent: true,
    },
    (ctx) => idempotency.answer(ctx, (trx) => crews.heartbeat(ctx.body, ctx.actor, trx)),
  )

  api.channelEndpoint(
    'crews:list',
    crews,
    {
      method: 'get',
      path: '/crews',
      tag: 'crews',
      summary: 'Crews with their last heartbeat and health',
      access: ['dispatcher', 'analyst'],
      response: z.array(crewSchema),
    },
    (list) => list(),
  )

  return api
}
