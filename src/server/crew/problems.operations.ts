import type { PROBLEMS } from '../../shared/operations/problems.js'
import type { Implementations } from '../operations/context.js'
import { listProblems, problemPhoto, resolveProblem } from './problems.js'
import { listReleases } from './releases.js'

/** Problems and give-backs as the console reads them (src/shared/operations/problems.ts), done. */
export const PROBLEM_OPERATIONS: Implementations<
  (typeof PROBLEMS)[number]['name'] | 'tasks:releases'
> = {
  'tasks:releases': {
    run: ({ task_id }, { services }) => listReleases(services.crewWork, task_id),
  },
  'problems:list': {
    run: (query, { services }) => listProblems(services.crewWork, query),
  },
  'problems:photo': {
    run: async ({ problem_id }, { services }) => {
      await problemPhoto(services.crewWork, problem_id)
      return undefined
    },
    // The image itself, with its content type.
    http: async ({ services, http }) => {
      const { problem_id } = http.params as { problem_id: number }
      const photo = await problemPhoto(services.crewWork, problem_id)
      http.res.status(200).type(photo.type).setHeader('Cache-Control', 'private, max-age=86400')
      http.res.send(photo.bytes)
      return undefined
    },
  },
  'problems:photoData': {
    run: async ({ problem_id }, { services }) => {
      const photo = await problemPhoto(services.crewWork, problem_id)
      return {
        problem_id,
        content_type: photo.type,
        data_url: `data:${photo.type};base64,${photo.bytes.toString('base64')}`,
      }
    },
  },
  'problems:resolve': {
    run: ({ problem_id, ...input }, { services, actor }) =>
      resolveProblem(services.crewWork, problem_id, input, actor),
  },
}
