import { z } from 'zod'
import {
  problemListQuerySchema,
  problemSchema,
  resolveProblemRequestSchema,
  taskReleaseSchema,
} from '../crew-work.js'
import { idInput, idParams, idSchema, taskParamsSchema } from '../dispatch.js'
import { operation } from './operation.js'
import { DISPATCH, READERS } from './roles.js'

/** What crews report from the street, as the console reads it: problems, and tasks given back. */

const problemParams = idParams('problem_id')

export const taskReleases = operation({
  name: 'tasks:releases',
  summary: 'Every time the task was given back, by whom and why (newest first)',
  roles: READERS,
  input: idInput('task_id'),
  output: z.array(taskReleaseSchema),
  route: {
    method: 'get',
    path: '/task/{task_id}/releases',
    tag: 'tasks',
    params: taskParamsSchema,
    errors: [404],
  },
  example: { task_id: 9 },
})

export const listProblems = operation({
  name: 'problems:list',
  summary: 'Problems reported at stations (open ones unless status says otherwise)',
  roles: READERS,
  input: problemListQuerySchema,
  output: z.array(problemSchema),
  route: { method: 'get', path: '/problems', tag: 'problems', query: problemListQuerySchema },
  example: { status: 'open' },
})

export const problemPhoto = operation({
  name: 'problems:photo',
  summary: "A problem's photo, as its image bytes",
  roles: READERS,
  input: idInput('problem_id'),
  output: null,
  route: {
    method: 'get',
    path: '/problems/{problem_id}/photo',
    tag: 'problems',
    params: problemParams,
    responseDescription: 'image/jpeg, image/png or image/webp',
    errors: [404],
  },
  // Bytes, not JSON: IPC carries answers as JSON, so the desktop does not carry this one (yet).
  desktop: false,
  example: { problem_id: 4 },
})

/** A problem's photo as a data: URL: what IPC (JSON only) carries and the console's CSP shows. */
export const problemPhotoDataSchema = z
  .object({
    problem_id: z.int(),
    content_type: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    data_url: z.string(),
  })
  .strict()

export const problemPhotoData = operation({
  name: 'problems:photoData',
  summary: "A problem's photo as a data: URL (for the console: IPC and <img> without a token)",
  roles: READERS,
  input: idInput('problem_id'),
  output: problemPhotoDataSchema,
  route: {
    method: 'get',
    path: '/problems/{problem_id}/photo.json',
    tag: 'problems',
    params: problemParams,
    errors: [404],
  },
  example: { problem_id: 4 },
})

const resolveInput = resolveProblemRequestSchema.extend({ problem_id: idSchema }).strict()

export const resolveProblem = operation({
  name: 'problems:resolve',
  summary: 'Resolve a problem (a dispatcher)',
  description: 'Resolving it again is a 409 naming who did. Announced on "problems".',
  roles: DISPATCH,
  input: resolveInput,
  output: problemSchema,
  route: {
    method: 'post',
    path: '/problems/{problem_id}/resolve',
    tag: 'problems',
    params: problemParams,
    body: resolveProblemRequestSchema,
    errors: [404, 409],
  },
  example: { problem_id: 4, note: 'docks replaced' },
})

export const PROBLEMS = [listProblems, problemPhoto, problemPhotoData, resolveProblem] as const
