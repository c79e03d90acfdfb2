/**
 * The service-levels service as the rest of the server sees it: one object assembling the plain
 * functions of `service-reads.ts`, `task-effects.ts` and `service-refresh.ts` over one context.
 */
import type {
  ServiceClusters,
  ServiceCrews,
  ServiceDayRequest,
  ServiceRange,
  ServiceRefreshReport,
  ServiceRefreshRequest,
  ServiceReport,
  ServiceStations,
  ServiceSummary,
  ServiceTaskEffects,
} from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import { silentLogger, type Logger } from '../logger.js'
import { clusters, crews, report, stations, summary } from './service-reads.js'
import { refresh, type ServiceLevelsContext } from './service-refresh.js'
import { taskEffects } from './task-effects.js'

export interface ServiceLevelsService {
  summary(range: ServiceRange): Promise<ServiceSummary>
  stations(range: ServiceRange): Promise<ServiceStations>
  clusters(range: ServiceRange): Promise<ServiceClusters>
  crews(range: ServiceRange): Promise<ServiceCrews>
  taskEffects(range: ServiceRange): Promise<ServiceTaskEffects>
  report(request: ServiceDayRequest): Promise<ServiceReport>
  /**
   * Computes the days new snapshots can have changed (those not summarised yet, and those not
   * complete), or every day of the range with `rebuild`. Days without status history are skipped.
   */
  refresh(request?: ServiceRefreshRequest): Promise<ServiceRefreshReport>
}

export interface ServiceLevelsDeps {
  db: Database
  logger?: Logger
  /**
   * An incomplete day (today) read older than this is recomputed before it is answered: a
   * console that does not poll (or a command) still sees today move. The polling console's job
   * keeps it fresher than this, so a page read rarely pays for it.
   */
  readStaleMs?: number
}

export function createServiceLevelsService(deps: ServiceLevelsDeps): ServiceLevelsService {
  const context: ServiceLevelsContext = {
    db: deps.db,
    logger: deps.logger ?? silentLogger(),
    readStaleMs: deps.readStaleMs ?? 60_000,
  }
  return {
    summary: (range) => summary(context, range),
    stations: (range) => stations(context, range),
    clusters: (range) => clusters(context, range),
    crews: (range) => crews(context, range),
    taskEffects: (range) => taskEffects(context, range),
    report: (request) => report(context, request),
    refresh: (request) => refresh(context, request),
  }
}
