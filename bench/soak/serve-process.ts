import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { createInterface } from 'node:readline'

/**
 * `balancer serve` as a child process, watched: the benchmark stops and starts it on purpose
 * (SIGTERM, then start), and when it exits on its own it says so, counts it and starts it again
 * so that the run goes on. It runs in its own process group: Ctrl-C reaches the benchmark only.
 */

/** Restarts after an exit on its own back off 1, 2, 4, 5, 5... s; more than this ends the run. */
export const MAX_UNEXPECTED_EXITS = 30
/** `serve` prints its URL once listening; a start that takes longer than this failed. */
const START_TIMEOUT_MS = 90_000
/** The server drains for 5 s (its own limit); twice that and it is killed, and that is said. */
const STOP_TIMEOUT_MS = 10_000

export interface UnexpectedExit {
  at: number
  code: number | null
  signal: string | null
  during: string
  /** The last lines it wrote to stderr (a crash's stack). */
  tail: string[]
}

export interface ServeOptions {
  args: string[]
  env: NodeJS.ProcessEnv
  clock: () => number
  /** What the run is doing now ("during restart fast 1"), to say when an exit happened. */
  phase: () => string
  log: (line: string) => void
}

type Child = ChildProcessByStdio<null, Readable, Readable>

export interface StopResult {
  code: number | null
  signal: string | null
  ms: number
  killed: boolean
}

export class ServeProcess {
  readonly exits: UnexpectedExit[] = []
  /** True from its "listening" line to its exit. */
  listening = false
  private child: Child | null = null
  private expectingExit = false
  private finished = false
  private listeningWaiters: (() => void)[] = []
  private backoffMs = 1_000
  private restartTimer: NodeJS.Timeout | null = null

  constructor(private readonly options: ServeOptions) {}

  get pid(): number | undefined {
    return this.child?.pid
  }

  /** Starts serve and resolves once it listens (after restarts on its own, if any). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`serve did not listen within ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      )
      this.listeningWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
      if (!this.child && !this.restartTimer) this.spawn()
    })
  }

  private spawn(): void {
    this.restartTimer = null
    if (this.finished) return
    const child = spawn(process.execPath, this.options.args, {
      env: this.options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    const tail: string[] = []
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line)
      if (tail.length > 40) tail.shift()
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('Balancer listening on ')) {
        this.listening = true
        this.backoffMs = 1_000
        const waiters = this.listeningWaiters
        this.listeningWaiters = []
        for (const waiter of waiters) waiter()
      }
    })
    child.once('exit', (code, signal) => {
      this.listening = false
      if (this.child === child) this.child = null
      if (this.expectingExit || this.finished) return
      const during = this.options.phase()
      this.exits.push({ at: this.options.clock(), code, signal, during, tail: [...tail] })
      this.options.log(
        `serve exited on its own with ${signal ? `signal ${signal}` : `code ${code}`} (${during}); ` +
          `starting it again in ${this.backoffMs / 1000} s`,
      )
      // The lines naming the error say why (a crash's stack is mostly frames); else the last ones.
      const telling = tail.filter((line) => /^(?:\w*Error|error|balancer)\b.*:/.test(line.trim()))
      for (const line of (telling.length > 0 ? telling : tail).slice(-3)) {
        this.options.log(`    serve stderr: ${line.trim()}`)
      }
      if (this.exits.length >= MAX_UNEXPECTED_EXITS) {
        this.options.log(`serve exited on its own ${this.exits.length} times: not restarting it`)
        return
      }
      this.restartTimer = setTimeout(() => this.spawn(), this.backoffMs)
      this.backoffMs = Math.min(this.backoffMs * 2, 5_000)
    })
  }

  /** Sends SIGTERM and waits for the exit (SIGKILL after 10 s); null when it was not running. */
  async stop(): Promise<StopResult | null> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer)
      this.restartTimer = null
    }
    const child = this.child
    if (!child) return null
    this.expectingExit = true
    const started = performance.now()
    try {
      return await new Promise<StopResult>((resolve) => {
        let killed = false
        const timer = setTimeout(() => {
          killed = true
          child.kill('SIGKILL')
        }, STOP_TIMEOUT_MS)
        child.once('exit', (code, signal) => {
          clearTimeout(timer)
          resolve({ code, signal, ms: performance.now() - started, killed })
        })
        child.kill('SIGTERM')
      })
    } finally {
      this.expectingExit = false
    }
  }

  /** The end of the run: stop, and never restart again. */
  async finish(): Promise<StopResult | null> {
    this.finished = true
    return this.stop()
  }

  /** From an `exit` handler: no waiting possible. */
  killSync(): void {
    this.finished = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.child?.kill('SIGKILL')
  }
}
