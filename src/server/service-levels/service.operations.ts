import type { CsvRow } from '../../shared/csv.js'
import {
  clustersCsv,
  crewsCsv,
  daysCsv,
  effectsCsv,
  reportCsv,
  serviceCsvName,
  stationsCsv,
  type TableName,
} from '../../shared/service-csv.js'
import type { SERVICE } from '../../shared/operations/service.js'
import { shiftDay } from '../../shared/service-levels.js'
import { jsonOrCsv, sendCsv } from '../http/csv.js'
import type { OperationContext, Implementations } from '../operations/context.js'
import type { ServiceLevelsService } from './service-levels.service.js'

type Read = 'summary' | 'stations' | 'clusters' | 'crews' | 'taskEffects' | 'report'
type InputOf<K extends Read> = Parameters<ServiceLevelsService[K]>[0]
type AnswerOf<K extends Read> = Awaited<ReturnType<ServiceLevelsService[K]>> & {
  system_id: string
}

/**
 * A service-levels read: its answer as JSON, or as the CSV `table` (named by the answer's system
 * and `range`, the input's own unless given) when an HTTP caller asks for CSV.
 */
function readAsCsv<K extends Read>(
  read: K,
  table: TableName,
  rows: (answer: AnswerOf<K>) => readonly CsvRow[],
  range: (input: InputOf<K>, answer: AnswerOf<K>) => { from: string; to: string } = (input) =>
    input as { from: string; to: string },
) {
  return {
    run: async (input: InputOf<K>, context: OperationContext) => {
      const levels = context.services.serviceLevels
      const answer: AnswerOf<K> = await (
        levels[read] as unknown as (input: InputOf<K>) => Promise<AnswerOf<K>>
      )(input)
      return jsonOrCsv(context, answer, (res, done: AnswerOf<K>) =>
        sendCsv(res, serviceCsvName(table, done.system_id, range(input, done)), rows(done)),
      )
    },
  }
}

/** src/shared/operations/service.ts, done: JSON, or CSV when an HTTP caller asks for it. */
export const SERVICE_OPERATIONS: Implementations<(typeof SERVICE)[number]['name']> = {
  'service:summary': readAsCsv('summary', 'days', (answer) => daysCsv(answer.days)),
  'service:stations': readAsCsv('stations', 'stations', (answer) =>
    stationsCsv(answer.system_id, answer.stations),
  ),
  'service:clusters': readAsCsv('clusters', 'clusters', (answer) =>
    clustersCsv(answer.system_id, answer.clusters),
  ),
  'service:crews': readAsCsv('crews', 'crews', (answer) => crewsCsv(answer.crews)),
  'service:taskEffects': readAsCsv('taskEffects', 'effects', (answer) => effectsCsv(answer.tasks)),
  'service:report': readAsCsv(
    'report',
    'report',
    (answer) => reportCsv(answer.system_id, answer.stations),
    (_request, answer) => ({ from: answer.day, to: shiftDay(answer.day, 1) }),
  ),
  'service:refresh': {
    run: (request, { services }) => services.serviceLevels.refresh(request),
  },
}
