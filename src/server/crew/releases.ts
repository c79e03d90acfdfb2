import type { TaskRelease } from '../../shared/crew-work.js'
import { getTask } from '../dispatch/dispatch.repository.js'
import { TASK_NOT_FOUND } from '../dispatch/task-work.service.js'
import { ServiceError } from '../errors.js'
import type { CrewWorkDeps } from './crew-work.js'

/** Every give-back of a task with its reason, newest first: what the console shows. */
export async function listReleases(deps: CrewWorkDeps, taskId: number): Promise<TaskRelease[]> {
  if (!(await getTask(deps.db, taskId))) {
    throw new ServiceError('not_found', 'task_not_found', TASK_NOT_FOUND)
  }
  const rows = await deps.db
    .selectFrom('task_releases')
    .select(['task_id', 'crew_id', 'at', 'reason_code', 'reason', 'released_by'])
    .where('task_id', '=', taskId)
    .orderBy('at', 'desc')
    .orderBy('release_id', 'desc')
    .execute()
  return rows.map((row) => ({
    ...row,
    at: row.at.toISOString(),
    reason_code: row.reason_code as TaskRelease['reason_code'],
  }))
}
