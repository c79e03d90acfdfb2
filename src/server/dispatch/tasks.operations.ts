import type { TASKS } from '../../shared/operations/tasks.js'
import type { Implementations } from '../operations/context.js'
import { taskDetail } from './task-detail.js'

/**
 * src/shared/operations/tasks.ts, done. The crew's state-changing work (claim, complete, give
 * back) runs through `once`: with an Idempotency-Key, in the transaction that records its answer.
 */
export const TASK_OPERATIONS: Implementations<(typeof TASKS)[number]['name']> = {
  'tasks:approve': {
    run: (input, { services, actor }) => services.dispatch.approve(input, actor),
  },
  'tasks:approveBatch': {
    run: (input, { services, actor }) => services.dispatch.approveBatch(input, actor),
  },
  'dispatch:next': {
    run: (input, { services, actor, once }) =>
      once((trx) => services.dispatch.dispatchNext(input, actor, trx)),
  },
  'tasks:create': {
    run: (input, { services, actor, once }) =>
      once((trx) => services.dispatch.createTask(input, actor, trx), 201),
  },
  'tasks:change': {
    run: ({ task_id, ...input }, { services, actor }) =>
      services.dispatch.changeTask(task_id, input, actor),
  },
  'tasks:assign': {
    run: ({ task_id, ...input }, { services, actor }) =>
      services.dispatch.assignTask(task_id, input, actor),
  },
  'tasks:list': {
    run: (filter, { services, actor }) => services.dispatch.listTasks(filter, actor),
  },
  'tasks:summary': {
    run: (_input, { services }) => services.dispatch.summary(),
  },
  'tasks:get': {
    run: ({ task_id }, { services, actor }) => taskDetail(services, task_id, actor),
  },
  'tasks:one': {
    run: ({ task_id }, { services, actor }) => services.dispatch.getTask(task_id, actor),
  },
  'tasks:complete': {
    run: ({ task_id, ...input }, { services, actor, once }) =>
      once((trx) => services.dispatch.complete(task_id, input, actor, trx)),
  },
  'tasks:release': {
    run: ({ task_id, ...input }, { services, actor, once }) =>
      once((trx) => services.dispatch.release(task_id, input, actor, trx)),
  },
  'tasks:cancel': {
    run: ({ task_id, ...input }, { services, actor }) =>
      services.dispatch.cancel(task_id, input, actor),
  },
}
