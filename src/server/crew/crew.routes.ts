import { z } from 'zod'
import {
  crewTaskAnswerSchema,
  pickedTaskSchema,
  pickupRequestSchema,
  problemListQuerySchema,
  problemRequestSchema,
  problemSchema,
  resolveProblemRequestSchema,
  shiftEndRequestSchema,
  shiftSchema,
  shiftStartRequestSchema,
  taskReleaseSchema,
} from '../../shared/crew-work.js'
import { idParamSchema } from '../../shared/dispatch.js'
import { ApiRouter } from '../http/api-router.js'
import { IDEMPOTENCY_DESCRIPTION, type Idempotency } from '../http/idempotency.js'
import type { CrewWorkDeps } from './crew-work.js'
import { crewTask, pickup } from './crew-task.js'
import { listProblems, problemPhoto, reportProblem, resolveProblem } from './problems.js'
import { listReleases } from './releases.js'
import { endShift, startShift } from './shifts.js'

const taskParams = z.object({ task_id: idParamSchema }).strict()
const problemParams = z.object({ problem_id: idParamSchema }).strict()

/**
 * The crew's working day over HTTP (issue 15; contract in src/shared/crew-work.ts). Each handler
 * is one call into a plain service function `(deps, input, actor[, trx])`. The phone's
 * state-changing requests take an Idempotency-Key.
 */
export function crewWorkRoutes(deps: CrewWorkDeps, idempotency: Idempotency): ApiRouter {
  const api = new ApiRouter()

  api.endpoint(
    {
      method: 'post',
      path: '/crew/shift/start',
      tag: 'crew',
      summary: 'Start shift: the van capacity and the bikes on board (and where the van is)',
      description: `Starting while a shift is open returns the open one unchanged (a retry). The van capacity becomes the crew's: the claim never hands it a larger task. ${IDEMPOTENCY_DESCRIPTION}`,
      access: ['crew'],
      body: shiftStartRequestSchema,
      response: shiftSchema,
      idempotent: true,
    },
    (ctx) => idempotency.answer(ctx, (trx) => startShift(deps, ctx.body, ctx.actor, trx)),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/crew/shift/end',
      tag: 'crew',
      summary: 'End shift, with the bikes left on board',
      description: `No open shift: 409. ${IDEMPOTENCY_DESCRIPTION}`,
      access: ['crew'],
      body: shiftEndRequestSchema,
      response: shiftSchema,
      errors: [409],
      idempotent: true,
    },
    (ctx) => idempotency.answer(ctx, (trx) => endShift(deps, ctx.body, ctx.actor, trx)),
  )

  api.endpoint(
    {
      method: 'get',
      path: '/crew/task',
      tag: 'crew',
      summary: "The task the crew holds, with both stations' names, positions and live numbers",
      description:
        "null when it holds none (claim one with POST /dispatch/next). The stations of its task are the only stations a crew token may read; every other station look-up stays 403. distance_m: straight line from the van's last known position (heartbeats) to the source.",
      access: ['crew'],
      response: crewTaskAnswerSchema,
    },
    ({ actor }) => crewTask(deps, actor),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/task/{task_id}/pickup',
      tag: 'tasks',
      summary: 'Picked up: the bikes actually taken at the source',
      description: `The same qty_picked again returns the task unchanged (a retry); another once recorded is a 409. More than the room left in the van is a 422 qty_over_limit. ${IDEMPOTENCY_DESCRIPTION}`,
      access: ['crew'],
      params: taskParams,
      body: pickupRequestSchema,
      response: pickedTaskSchema,
      errors: [404, 409, 422],
      idempotent: true,
    },
    (ctx) =>
      idempotency.answer(ctx, (trx) => pickup(deps, ctx.params.task_id, ctx.body, ctx.actor, trx)),
  )

  api.endpoint(
    {
      method: 'get',
      path: '/task/{task_id}/releases',
      tag: 'tasks',
      summary: 'Every time the task was given back, by whom and why (newest first)',
      access: ['dispatcher', 'analyst'],
      params: taskParams,
      response: z.array(taskReleaseSchema),
      errors: [404],
    },
    ({ params }) => listReleases(deps, params.task_id),
  )

  api.endpoint(
    {
      method: 'post',
      path: '/problems',
      tag: 'problems',
      summary: 'Report a problem at a station, with an optional photo',
      description: `photo: a data URL (image/jpeg, image/png or image/webp), at most 2 MB decoded, its bytes checked against its type; this route alone takes a body of up to 3 MB. A crew may report at the stations of its tasks (held, or done or given back today). Announced on the "problems" channel. ${IDEMPOTENCY_DESCRIPTION}`,
      access: ['crew', 'dispatcher'],
      body: problemRequestSchema,
      status: 201,
      response: problemSchema,
      errors: [404, 422],
      idempotent: true,
    },
    (ctx) => idempotency.answer(ctx, (trx) => reportProblem(deps, ctx.body, ctx.actor, trx), 201),
  )

  api.endpoint(
    {
      method: 'get',
      path: '/problems',
      tag: 'problems',
      summary: 'Problems reported at stations (open ones unless status says otherwise)',
      access: ['dispatcher', 'analyst'],
      query: problemListQuerySchema,
      response: z.array(problemSchema),
    },
    ({ query }) => listProblems(deps, query),
  )

  api.endpoint(
    {
      method: 'get',
      path: '/problems/{problem_id}/photo',
      tag: 'problems',
      summary: "A problem's photo, as its image bytes",
      access: ['dispatcher', 'analyst'],
      params: problemParams,
      response: null,
      responseDescription: 'image/jpeg, image/png or image/webp',
      errors: [404],
    },
    async ({ params, res }) => {
      const photo = await problemPhoto(deps, params.problem_id)
      res.status(200).type(photo.type).setHeader('Cache-Control', 'private, max-age=86400')
      res.send(photo.bytes)
      return undefined
    },
  )

  api.endpoint(
    {
      method: 'post',
      path: '/problems/{problem_id}/resolve',
      tag: 'problems',
      summary: 'Resolve a problem (a dispatcher)',
      description: 'Resolving it again is a 409 naming who did. Announced on "problems".',
      access: ['dispatcher'],
      params: problemParams,
      body: resolveProblemRequestSchema,
      response: problemSchema,
      errors: [404, 409],
    },
    ({ params, body, actor }) => resolveProblem(deps, params.problem_id, body, actor),
  )

  return api
}
