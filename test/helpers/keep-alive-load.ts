import { Agent, request } from 'node:http'

/** What became of one request sent by `keepAliveLoad`. */
export interface RequestOutcome {
  startedAt: number
  endedAt: number
  /** null when no answer began. */
  status: number | null
  /** The answer's `Connection` header. */
  connection: string | null
  body: string
  /** The whole answer arrived. */
  complete: boolean
  /** Sent on a socket an earlier request had used (kept alive). */
  reusedSocket: boolean
  /** The error's code when it failed: ECONNREFUSED (never sent), ECONNRESET, ... */
  code: string | null
}

export function sendOnce(
  agent: Agent | false,
  url: string,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    const startedAt = Date.now()
    const outcome: RequestOutcome = {
      startedAt,
      endedAt: startedAt,
      status: null,
      connection: null,
      body: '',
      complete: false,
      reusedSocket: false,
      code: null,
    }
    const finish = (code: string | null) => {
      outcome.endedAt = Date.now()
      outcome.reusedSocket = req.reusedSocket
      if (code !== null && outcome.code === null && !outcome.complete) outcome.code = code
      resolve(outcome)
    }
    const req = request(
      new URL(options.path, url),
      { agent, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        outcome.status = res.statusCode ?? null
        outcome.connection = res.headers.connection ?? null
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (outcome.body += chunk))
        res.on('end', () => {
          outcome.complete = res.complete
          finish(res.complete ? null : 'ABORTED_MID_ANSWER')
        })
        res.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? 'ERROR'))
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message))
    req.end(options.body)
  })
}

export interface KeepAliveLoad {
  /** Resolves once `count` answers have arrived (every loop has a kept-alive socket by then). */
  answered(count: number, timeoutMs?: number): Promise<void>
  /** Stops sending; resolves with every request's outcome once the loops have ended. */
  stop(): Promise<RequestOutcome[]>
  /** Resolves when every loop has ended by itself (the server refused a new connection). */
  ended: Promise<RequestOutcome[]>
}

/**
 * `concurrency` loops, each sending `path` again as soon as the last answer arrived, over a
 * keep-alive agent with as many sockets: a busy crew app. A loop ends when a connection is
 * refused (the server is gone), on `stop()`, after `maxMs` or after `maxRequests`.
 */
export function keepAliveLoad(
  url: string,
  options: {
    path: string
    headers?: Record<string, string>
    concurrency: number
    maxMs?: number
    maxRequests?: number
  },
): KeepAliveLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  const outcomes: RequestOutcome[] = []
  const deadline = Date.now() + (options.maxMs ?? 30_000)
  const maxRequests = options.maxRequests ?? 100_000
  let stopped = false
  async function loop(): Promise<void> {
    while (!stopped && Date.now() < deadline && outcomes.length < maxRequests) {
      const outcome = await sendOnce(agent, url, { path: options.path, headers: options.headers })
      outcomes.push(outcome)
      if (outcome.code === 'ECONNREFUSED') return
    }
  }
  const ended = Promise.all(Array.from({ length: options.concurrency }, () => loop())).then(() => {
    agent.destroy()
    return outcomes
  })
  return {
    ended,
    answered: async (count, timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs
      while (outcomes.filter((o) => o.complete).length < count && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    stop: () => {
      stopped = true
      return ended
    },
  }
}
