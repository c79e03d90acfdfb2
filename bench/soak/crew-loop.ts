import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The crews: each claims a task (`POST /dispatch/next`) and completes it with the task's quantity,
 * in a loop, retrying as a phone does: on a network error, a timeout, a 503 or a 429 it waits
 * (Retry-After when given, capped) and sends the SAME request with the SAME `Idempotency-Key`;
 * a new logical action gets a new key. Node's fetch keeps connections alive between requests.
 */

/** A phone gives up on one action after this long: 2 minutes of retrying is a crew calling in. */
const ACTION_LIMIT_MS = 120_000
/** Per request: a database that vanished without closing its socket must not hang a phone. */
const REQUEST_TIMEOUT_MS = 15_000
/** Retry-After is honoured up to this; the server says 5 s while its database is away. */
const RETRY_AFTER_CAP_MS = 5_000

export interface LostAction {
  crew: number
  action: 'claim' | 'complete'
  taskId: number | null
  outcome: string
  attempts: number
  at: number
}

export interface CrewStats {
  /** Answers by route and status (`claim 200`, `complete 503`, `claim network ECONNREFUSED`). */
  answers: Map<string, number>
  claims: number
  completions: number
  /** Claims whose 200 came on a retry (the first try's answer was lost or refused). */
  retriedClaims: number
  retriedCompletions: number
  noTask: number
  lost: LostAction[]
  /** Task id → the crews it was handed to, as the crews saw it. */
  handedOut: Map<number, number[]>
  /** Task id → how many completions of it answered 200 (a retry of one action counts once). */
  completed: Map<number, number>
  /** Every request that was not answered 200 or 404, for a fault's error count. */
  failures: number
}

export function emptyStats(): CrewStats {
  return {
    answers: new Map(),
    claims: 0,
    completions: 0,
    retriedClaims: 0,
    retriedCompletions: 0,
    noTask: 0,
    lost: [],
    handedOut: new Map(),
    completed: new Map(),
    failures: 0,
  }
}

export interface CrewOptions {
  baseUrl: string
  tokens: readonly string[]
  stats: CrewStats
  /** Milliseconds since the run began (the timeline's clock). */
  clock: () => number
  /** True once the run's time is up: finish the task held, claim no more. */
  stopClaiming: () => boolean
  /** Ctrl-C or a hard limit: give up at once. */
  signal: AbortSignal
  /** Called for every 200, with when its request was sent (for recovery times). */
  onOk: (sentAt: number, at: number) => void
}

type Outcome =
  | { kind: 'answer'; status: number; body: unknown; attempts: number }
  | { kind: 'lost'; outcome: string; attempts: number }

function count(stats: CrewStats, key: string): void {
  stats.answers.set(key, (stats.answers.get(key) ?? 0) + 1)
}

function networkCode(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timeout'
    const cause = (error as { cause?: { code?: string; name?: string } }).cause
    return cause?.code ?? cause?.name ?? error.name
  }
  return 'unknown'
}

function backoffMs(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter)
  const base = Number.isFinite(seconds)
    ? Math.min(seconds * 1000, RETRY_AFTER_CAP_MS)
    : Math.min(250 * 2 ** (attempt - 1), 4_000)
  // Jitter, so that 64 phones refused at the same instant do not all come back at one instant.
  return base + Math.random() * Math.max(250, base / 2)
}

/** One logical action: the same request, same key, until an answer that is not retryable. */
async function act(
  options: CrewOptions,
  route: 'claim' | 'complete',
  path: string,
  token: string,
  body: unknown,
): Promise<Outcome> {
  // A function, not the property: the signal may abort while a request is awaited.
  const aborted = () => options.signal.aborted
  const key = randomUUID()
  const started = performance.now()
  let last = 'not sent'
  for (let attempt = 1; attempt <= 200; attempt++) {
    if (aborted()) return { kind: 'lost', outcome: 'aborted', attempts: attempt - 1 }
    if (performance.now() - started > ACTION_LIMIT_MS) {
      return { kind: 'lost', outcome: `gave up after 120 s (last: ${last})`, attempts: attempt - 1 }
    }
    const sentAt = options.clock()
    let retryAfter: string | null = null
    // One controller per try, its listener removed after: AbortSignal.any on the run's long-lived
    // signal would keep a listener per request for the whole run.
    const controller = new AbortController()
    const onAbort = () => controller.abort()
    options.signal.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(
      () => controller.abort(new DOMException('no answer in 15 s', 'TimeoutError')),
      REQUEST_TIMEOUT_MS,
    )
    try {
      const response = await fetch(`${options.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      })
      const text = await response.text()
      count(options.stats, `${route} ${response.status}`)
      if (response.status === 200) options.onOk(sentAt, options.clock())
      if (response.status !== 503 && response.status !== 429) {
        if (response.status !== 200 && response.status !== 404) options.stats.failures += 1
        let parsed: unknown = null
        try {
          parsed = JSON.parse(text)
        } catch {
          parsed = text.slice(0, 200)
        }
        return { kind: 'answer', status: response.status, body: parsed, attempts: attempt }
      }
      options.stats.failures += 1
      last = String(response.status)
      retryAfter = response.headers.get('retry-after')
    } catch (error) {
      if (aborted()) return { kind: 'lost', outcome: 'aborted', attempts: attempt }
      const code = networkCode(error)
      count(options.stats, `${route} network ${code}`)
      options.stats.failures += 1
      last = code
    } finally {
      clearTimeout(timer)
      options.signal.removeEventListener('abort', onAbort)
    }
    try {
      await sleep(backoffMs(attempt, retryAfter), undefined, { signal: options.signal })
    } catch {
      return { kind: 'lost', outcome: 'aborted', attempts: attempt }
    }
  }
  return { kind: 'lost', outcome: `gave up after 200 tries (last: ${last})`, attempts: 200 }
}

function detail(body: unknown): string {
  if (body && typeof body === 'object' && 'detail' in body) return String(body.detail)
  return typeof body === 'string' ? body : JSON.stringify(body)
}

async function crewLoop(options: CrewOptions, crew: number): Promise<void> {
  const { stats } = options
  const token = options.tokens[crew] ?? ''
  const quiet = async (ms: number) => {
    try {
      await sleep(ms + Math.random() * ms, undefined, { signal: options.signal })
    } catch {
      // aborted: the loop's condition ends it
    }
  }
  while (!options.stopClaiming() && !options.signal.aborted) {
    const claim = await act(options, 'claim', '/dispatch/next', token, {})
    if (claim.kind === 'lost') {
      if (claim.outcome === 'aborted') return
      stats.lost.push({ crew, action: 'claim', taskId: null, ...claim, at: options.clock() })
      await quiet(1_000)
      continue
    }
    if (claim.status === 404) {
      stats.noTask += 1
      await quiet(200)
      continue
    }
    const task = claim.body as { id?: unknown; qty?: unknown }
    if (claim.status !== 200 || typeof task.id !== 'number') {
      stats.lost.push({
        crew,
        action: 'claim',
        taskId: null,
        outcome: `${claim.status} ${detail(claim.body)}`.slice(0, 200),
        attempts: claim.attempts,
        at: options.clock(),
      })
      await quiet(1_000)
      continue
    }
    stats.claims += 1
    if (claim.attempts > 1) stats.retriedClaims += 1
    stats.handedOut.set(task.id, [...(stats.handedOut.get(task.id) ?? []), crew])
    const qty = typeof task.qty === 'number' ? task.qty : 1
    // The held task is completed even after the time is up: a crew does not walk off with it.
    const done = await act(options, 'complete', `/task/${task.id}/complete`, token, {
      qty_moved: qty,
    })
    if (done.kind === 'answer' && done.status === 200) {
      stats.completions += 1
      if (done.attempts > 1) stats.retriedCompletions += 1
      stats.completed.set(task.id, (stats.completed.get(task.id) ?? 0) + 1)
    } else if (!(done.kind === 'lost' && done.outcome === 'aborted')) {
      stats.lost.push({
        crew,
        action: 'complete',
        taskId: task.id,
        outcome:
          done.kind === 'lost' ? done.outcome : `${done.status} ${detail(done.body)}`.slice(0, 200),
        attempts: done.attempts,
        at: options.clock(),
      })
      await quiet(1_000)
    }
  }
}

/** Runs every crew until the time is up and each has finished the task it held. */
export async function runCrews(options: CrewOptions): Promise<void> {
  await Promise.all(options.tokens.map((_, crew) => crewLoop(options, crew)))
}
