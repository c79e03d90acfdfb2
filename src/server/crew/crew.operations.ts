import type { CREW_DEVICE } from '../../shared/operations/crew.js'
import type { Implementations } from '../operations/context.js'
import { crewTask, pickup } from './crew-task.js'
import { reportProblem } from './problems.js'
import { endShift, startShift } from './shifts.js'

type CrewWorkName = Exclude<(typeof CREW_DEVICE)[number]['name'], 'crew:pair' | 'crew:me'>

/** The crew's working day from its phone (src/shared/operations/crew.ts), done. */
export const CREW_WORK_OPERATIONS: Implementations<CrewWorkName> = {
  'crew:startShift': {
    run: (input, { services, actor, once }) =>
      once((trx) => startShift(services.crewWork, input, actor, trx)),
  },
  'crew:endShift': {
    run: (input, { services, actor, once }) =>
      once((trx) => endShift(services.crewWork, input, actor, trx)),
  },
  'crew:task': {
    run: (_input, { services, actor }) => crewTask(services.crewWork, actor),
  },
  'crew:pickup': {
    run: ({ task_id, ...input }, { services, actor, once }) =>
      once((trx) => pickup(services.crewWork, task_id, input, actor, trx)),
  },
  'crew:reportProblem': {
    run: (input, { services, actor, once }) =>
      once((trx) => reportProblem(services.crewWork, input, actor, trx), 201),
  },
}
