import { setTimeout as sleep } from 'node:timers/promises'
import type { PgCluster } from './pg-cluster.js'
import type { ServeProcess } from './serve-process.js'

/**
 * The faults of a day, spread over the run: the configured PostgreSQL restarted fast twice,
 * stopped immediately for 10 s once, and `serve` itself SIGTERM'd and started again once.
 * Each one's recovery is the time from the fault to the first 200 a crew gets for a request sent
 * once the disruption was over (the database answering again, or serve started again).
 */

export type FaultKind = 'restart' | 'stop' | 'sigterm'

export interface Fault {
  label: string
  kind: FaultKind
  /** When in the run, as a fraction of its length. */
  fraction: number
  startedAt?: number
  /** The database answers again / serve listens again. */
  readyAt?: number
  firstOkAt?: number
  /** Crew requests not answered 200 or 404, from the fault to its first 200. */
  failuresAtStart?: number
  failures?: number
  note?: string
}

export const STOP_SECONDS = 10

export function plannedFaults(): Fault[] {
  return [
    { label: 'restart fast 1', kind: 'restart', fraction: 0.15 },
    { label: `stop immediate ${STOP_SECONDS} s`, kind: 'stop', fraction: 0.35 },
    { label: 'serve SIGTERM', kind: 'sigterm', fraction: 0.55 },
    { label: 'restart fast 2', kind: 'restart', fraction: 0.75 },
  ]
}

export interface ScheduleOptions {
  faults: Fault[]
  runMs: number
  cluster: PgCluster
  serve: ServeProcess
  clock: () => number
  failures: () => number
  signal: AbortSignal
  log: (line: string) => void
  /** A request sent at or after `threshold` that gets a 200 ends the fault. */
  watchRecovery: (threshold: number, recovered: (at: number) => void) => void
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

async function inject(fault: Fault, options: ScheduleOptions): Promise<number> {
  const { cluster, serve, clock, log } = options
  switch (fault.kind) {
    case 'restart': {
      await cluster.ctl(['-m', 'fast', 'restart'])
      fault.readyAt = clock()
      log(`  pg_ctl restart -m fast done in ${seconds(fault.readyAt - (fault.startedAt ?? 0))}`)
      return fault.readyAt
    }
    case 'stop': {
      await cluster.ctl(['-m', 'immediate', 'stop'])
      log(`  database stopped; starting it again in ${STOP_SECONDS} s`)
      await sleep(STOP_SECONDS * 1000)
      await cluster.ctl(['start'])
      fault.readyAt = clock()
      log(`  database answering again`)
      return fault.readyAt
    }
    case 'sigterm': {
      const wasListening = serve.listening
      const stopped = await serve.stop()
      const exitedAt = clock()
      fault.note = stopped
        ? `exit ${stopped.signal ?? stopped.code} after ${seconds(stopped.ms)}${stopped.killed ? ' (SIGKILL: it did not stop in 10 s)' : ''}`
        : 'was not running'
      if (stopped && !wasListening) fault.note += ' (it was still starting)'
      log(`  serve ${fault.note}; starting it again`)
      await serve.start()
      fault.readyAt = clock()
      log(`  serve listening again after ${seconds(fault.readyAt - exitedAt)}`)
      return exitedAt
    }
  }
}

/** Runs the faults at their times; resolves once the last one's disruption is over. */
export async function runFaults(options: ScheduleOptions): Promise<void> {
  for (const [index, fault] of options.faults.entries()) {
    const due = fault.fraction * options.runMs
    const previous = options.faults[index - 1]
    try {
      const wait = due - options.clock()
      if (wait > 0) await sleep(wait, undefined, { signal: options.signal })
      // Faults one at a time: the next waits until the crews are served again after the last
      // (then 5 s of steady work), up to 90 s past its time, so a short run measures each one.
      for (let waited = 0; previous && waited < 90; waited++) {
        const recovered = previous.firstOkAt
        if (recovered !== undefined && options.clock() >= recovered + 5_000) break
        if (previous.note?.startsWith('failed')) break
        await sleep(1_000, undefined, { signal: options.signal })
      }
    } catch {
      return
    }
    if (previous && previous.firstOkAt === undefined) {
      options.log(`(${previous.label} has not recovered; injecting the next fault anyway)`)
    }
    fault.startedAt = options.clock()
    fault.failuresAtStart = options.failures()
    options.log(`fault ${index + 1}/${options.faults.length}: ${fault.label}`)
    try {
      const threshold = await inject(fault, options)
      options.watchRecovery(threshold, (at) => {
        fault.firstOkAt = at
        fault.failures = options.failures() - (fault.failuresAtStart ?? 0)
        options.log(
          `  ${fault.label}: first crew 200 ${seconds(at - (fault.startedAt ?? 0))} after the fault` +
            ` (${seconds(at - (fault.readyAt ?? at))} after ${fault.kind === 'sigterm' ? 'serve listened' : 'the database answered'})`,
        )
      })
    } catch (error) {
      fault.note = `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300)
      options.log(`  ${fault.label} ${fault.note}`)
    }
  }
}

/** What the run is doing now, to say when serve exited on its own. */
export function currentPhase(faults: readonly Fault[], now: number): string {
  const started = faults.filter((fault) => fault.startedAt !== undefined)
  const last = started[started.length - 1]
  if (!last) return 'before the first fault'
  if (last.firstOkAt === undefined) return `during ${last.label}`
  return `steady, ${seconds(now - last.firstOkAt)} after ${last.label} recovered`
}

export function describeFault(fault: Fault): string[] {
  const started = fault.startedAt
  const at = (ms: number | undefined) => (ms === undefined ? '-' : seconds(ms - (started ?? 0)))
  return [
    fault.label,
    started === undefined ? 'not run' : clockLabel(started),
    at(fault.readyAt),
    at(fault.firstOkAt),
    fault.firstOkAt !== undefined && fault.readyAt !== undefined
      ? seconds(fault.firstOkAt - fault.readyAt)
      : '-',
    fault.failures === undefined ? '-' : String(fault.failures),
    fault.note ?? (started !== undefined && fault.firstOkAt === undefined ? 'no 200 after it' : ''),
  ]
}

/** mm:ss since the crews started. */
export function clockLabel(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`
}
