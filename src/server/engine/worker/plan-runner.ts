import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Database } from '../../db/database.js'
import type { Logger } from '../../logger.js'
import { planRun, type PlanInput, type PlanOutput } from '../engine-plan.js'

/** What the worker is started with (workerData). */
export interface WorkerInput {
  databaseUrl: string
  logLevel: string
  plan: PlanInput
}

/** What the worker posts back: its log lines, then one answer. */
export type WorkerAnswer =
  | { kind: 'log'; line: string }
  | { kind: 'done'; output: PlanOutput }
  | { kind: 'failed'; message: string; code: string | null }

/** The built worker next to a bundle's entry: `new URL('./engine-worker.js', import.meta.url)`. */
export const ENGINE_WORKER_FILE = 'engine-worker.js'

let workerFile: URL | null = null

/**
 * Where the built worker is. Each bundle's entry (CLI, Electron main, benchmarks) names the file
 * it was built with; without one (tests running the sources) runs plan inline.
 */
export function useEngineWorker(file: URL | null): void {
  workerFile = file && existsSync(fileURLToPath(file)) ? file : null
}

export function engineWorkerFile(): URL | null {
  return workerFile
}

export interface PlanRunnerContext {
  /** The run's own connection: used only when planning inline. */
  db: Database
  /** The worker connects on its own: the database the service uses. */
  databaseUrl: string | undefined
  logger: Logger
  /** A worker file other than the registered one (tests build one). */
  workerFile?: URL | null
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
}

function forwardLog(logger: Logger, line: string): void {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>
    const name = LEVELS[Number(parsed.level)] ?? 'info'
    const msg = typeof parsed.msg === 'string' ? parsed.msg : ''
    const dropped = new Set(['level', 'msg', 'time', 'pid', 'hostname'])
    const fields = Object.fromEntries(Object.entries(parsed).filter(([key]) => !dropped.has(key)))
    logger[name](fields, msg)
  } catch {
    logger.info({ line }, 'engine worker')
  }
}

/** Plans one run in a worker thread when one is built (and a URL known), else on `db` inline. */
export function runPlan(input: PlanInput, context: PlanRunnerContext): Promise<PlanOutput> {
  const file = context.workerFile === undefined ? workerFile : context.workerFile
  if (!file || !context.databaseUrl) return planRun(context.db, input, context.logger)
  const data: WorkerInput = {
    databaseUrl: context.databaseUrl,
    logLevel: context.logger.level,
    plan: input,
  }
  return new Promise<PlanOutput>((resolve, reject) => {
    const worker = new Worker(file, { workerData: data })
    let settled = false
    worker.on('message', (answer: WorkerAnswer) => {
      if (answer.kind === 'log') {
        forwardLog(context.logger, answer.line)
        return
      }
      settled = true
      if (answer.kind === 'done') resolve(answer.output)
      else
        reject(Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {}))
    })
    worker.on('error', (error) => {
      settled = true
      reject(error)
    })
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the engine's worker thread exited (${code}) without a plan`))
    })
  })
}
