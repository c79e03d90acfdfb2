import type { RequestHandler } from 'express'
import type pg from 'pg'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { TaskSummary } from '../shared/dispatch.js'
import type { DispatchEvent } from './dispatch/dispatch.service.js'

export interface MetricsDeps {
  pool: pg.Pool
  /** Task counts by status, read from the database at scrape time (shared by every console). */
  taskSummary: () => Promise<TaskSummary>
}

export interface Metrics {
  registry: Registry
  /** Times every HTTP request, labelled with its route template rather than its URL. */
  httpMiddleware: RequestHandler
  /** Counts what this process did: tasks created, dispatched, completed, released, canceled. */
  onDispatchEvent(event: DispatchEvent, count: number): void
}

const EVENT_COUNTER: Record<DispatchEvent, string> = {
  'task.created': 'created',
  'task.dispatched': 'dispatched',
  'task.completed': 'completed',
  'task.released': 'released',
  'task.canceled': 'canceled',
}

/** Seed 002's metrics, in Prometheus' text format at GET /metrics. */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry()
  registry.setDefaultLabels({ app: 'bay-wheels-balancer' })
  collectDefaultMetrics({ register: registry })

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by route template and method',
    labelNames: ['method', 'route'] as const,
    // Claims take ~1-5 ms; a lease or a chart query up to seconds.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const tasks = new Counter({
    name: 'dispatch_tasks_total',
    help: 'Task lifecycle events handled by this process',
    labelNames: ['event'] as const,
    registers: [registry],
  })
  for (const event of Object.values(EVENT_COUNTER)) tasks.inc({ event }, 0)

  new Gauge({
    name: 'dispatch_tasks',
    help: 'Tasks in the database by status (stale: assigned beyond the lease)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      try {
        const summary = await deps.taskSummary()
        for (const [status, count] of Object.entries(summary.byStatus)) this.set({ status }, count)
        this.set({ status: 'stale' }, summary.stale)
      } catch {
        // An unreachable database shows as missing samples, not as a failed scrape.
      }
    },
  })
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount)
      this.set({ state: 'idle' }, deps.pool.idleCount)
      this.set({ state: 'waiting' }, deps.pool.waitingCount)
    },
  })

  const httpMiddleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer()
    res.on('finish', () => {
      const route = (res.locals as { route?: string }).route ?? 'unmatched'
      end({ method: req.method, route })
      requests.inc({ method: req.method, route, status: String(res.statusCode) })
    })
    next()
  }

  return {
    registry,
    httpMiddleware,
    onDispatchEvent(event, count) {
      tasks.inc({ event: EVENT_COUNTER[event] }, count)
    },
  }
}
