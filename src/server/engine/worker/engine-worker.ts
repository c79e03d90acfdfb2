/**
 * The engine's worker thread: one run's fit and planning (planRun) off the main thread, on a
 * connection of its own. Built as an entry of its own next to each bundle's entry (the CLI's
 * out/cli, Electron main's out/main, the benchmarks' out/bench) and started per run by
 * plan-runner.ts; it answers one message and exits.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads'
import pino from 'pino'
import { createDatabase, createPool } from '../../db/database.js'
import { asLongWork } from '../../db/work-limits.js'
import { planRun } from '../engine-plan.js'
import type { WorkerAnswer, WorkerInput } from './plan-runner.js'

async function work(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  // The worker's log lines go to the parent's logger, which writes them where it writes its own.
  const logger = pino(
    { level: input.logLevel, base: { thread: threadId } },
    { write: (line: string) => port.postMessage({ kind: 'log', line } satisfies WorkerAnswer) },
  )
  const pool = createPool(input.databaseUrl, logger, {
    max: 1,
    applicationName: 'bay-wheels-balancer engine',
  })
  const db = createDatabase(pool)
  try {
    const output = await asLongWork(() => planRun(db, input.plan, logger))
    port.postMessage({ kind: 'done', output } satisfies WorkerAnswer)
  } catch (error) {
    port.postMessage({
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error),
      code:
        (error as { code?: unknown }).code === undefined
          ? null
          : String((error as { code?: unknown }).code),
    } satisfies WorkerAnswer)
  } finally {
    await db.destroy()
  }
}

if (parentPort) void work(parentPort, workerData as WorkerInput)
