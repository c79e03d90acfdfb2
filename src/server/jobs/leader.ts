import { hostname } from 'node:os'
import { sql } from 'kysely'
import pg from 'pg'
import type { Database } from '../db/database.js'
import { connectionConfig, REQUEST_LIMITS } from '../db/work-limits.js'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'

/** The lock every console takes to run the scheduled jobs (polling; later the engine, refreshes). */
export const JOBS_LOCK = 'scheduled-jobs'

/** Something only one console may run at a time: started on election, stopped on loss. */
export interface LeaderJob {
  name: string
  /** Starts the job and returns how to stop it. */
  start(): Promise<() => Promise<void>> | (() => Promise<void>)
}

export interface LeaderOptions {
  /** The database every console shares (with credentials: this process's own connection). */
  url: string
  /** Names the lock: consoles with the same name elect one leader between them. */
  lockName: string
  jobs: readonly LeaderJob[]
  logger: Logger
  /** Who this is, for the health page: "host:pid" by default. */
  identity?: string
  /**
   * How often a standby tries the lock and the leader checks its connection. 5 s: half the
   * poller's 10 s floor, so a standby takes over within one poll interval of a leader's death.
   */
  checkMs?: number
}

export interface Leader {
  readonly identity: string
  isLeader(): boolean
  /** Stops the jobs if leading, releases the lock and closes the connection. */
  close(): Promise<void>
}

/** The high half of every advisory lock key this app takes ('BWSB'), so keys cannot collide with
 * other software's single-key locks on a shared server. */
export const LOCK_NAMESPACE = 0x42575342 & 0x7fffffff

/** FNV-1a of the lock name as a positive int4: the low half of the key. */
export function lockKey(name: string): number {
  let hash = 0x811c9dc5
  for (const char of Buffer.from(name, 'utf8')) {
    hash ^= char
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) & 0x7fffffff
}

export function defaultIdentity(): string {
  return `${hostname()}:${process.pid}`
}

/**
 * Leadership through a PostgreSQL session advisory lock on a connection of its own. The lock
 * lives exactly as long as that connection: a console that quits releases it, and one that dies
 * (killed, crashed, unplugged) loses it when the server notices the connection is gone, at once
 * for a closed socket and within about 25 s through TCP keepalives for a vanished machine. Each
 * standby tries the lock every `checkMs`; the leader pings its connection as often and stops its
 * jobs the moment the ping fails, since it can no longer be sure it holds the lock.
 */
export function startLeadership(options: LeaderOptions): Leader {
  const identity = options.identity ?? defaultIdentity()
  const checkMs = options.checkMs ?? 5_000
  const key = lockKey(options.lockName)
  const log = options.logger.child({ lock: options.lockName })
  let client: pg.Client | null = null
  let stops: (() => Promise<void>)[] | null = null
  let timer: NodeJS.Timeout | undefined
  let closed = false
  const isClosed = () => closed
  let cycle: Promise<void> = Promise.resolve()
  let lastProblem: string | null = null

  async function connect(): Promise<pg.Client> {
    const fresh = new pg.Client({
      // Keepalives both ways (the server's: a machine that vanishes without closing its socket
      // is noticed after 10 + 3 x 5 s, and its lock released), a connect timeout.
      ...connectionConfig(options.url, `balancer leader ${identity}`, REQUEST_LIMITS),
      // A ping over a connection that died without a word must fail, not hang for minutes:
      // the leader has to stop its jobs before a standby, seeing the lock free, starts them.
      query_timeout: Math.max(checkMs, 2_000),
    })
    // A connection that breaks must not crash the process; the next check notices.
    fresh.on('error', (error) =>
      log.debug({ err: describeError(error) }, 'leader connection error'),
    )
    await fresh.connect()
    return fresh
  }

  async function stopJobs(): Promise<void> {
    const running = stops
    stops = null
    if (!running) return
    for (const stop of [...running].reverse()) {
      try {
        await stop()
      } catch (error) {
        log.error({ err: describeError(error) }, 'a scheduled job did not stop cleanly')
      }
    }
  }

  async function dropClient(): Promise<void> {
    const old = client
    client = null
    await old?.end().catch(() => undefined)
  }

  async function check(): Promise<void> {
    if (closed) return
    try {
      if (stops) {
        await (client as pg.Client).query('select 1')
        return
      }
      client ??= await connect()
      const { rows } = await client.query<{ acquired: boolean }>(
        'select pg_try_advisory_lock($1, $2) as acquired',
        [LOCK_NAMESPACE, key],
      )
      lastProblem = null
      // close() may have been called while the query ran.
      if (!rows[0]?.acquired || isClosed()) return
      log.info({ identity }, 'leading: this console runs the scheduled jobs')
      stops = []
      for (const job of options.jobs) {
        try {
          stops.push(await job.start())
        } catch (error) {
          log.error({ job: job.name, err: describeError(error) }, 'a scheduled job did not start')
        }
      }
    } catch (error) {
      const problem = describeError(error)
      if (stops)
        log.warn({ err: problem }, 'lost the leader connection: stopping the scheduled jobs')
      else if (problem !== lastProblem) log.warn({ err: problem }, 'cannot try for leadership')
      lastProblem = problem
      await stopJobs()
      await dropClient()
    }
  }

  function schedule(): void {
    if (closed) return
    cycle = check().finally(() => {
      if (!closed) timer = setTimeout(schedule, checkMs)
    })
  }

  schedule()

  return {
    identity,
    isLeader: () => stops !== null,
    async close() {
      closed = true
      clearTimeout(timer)
      await cycle
      const wasLeading = stops !== null
      await stopJobs()
      if (wasLeading && client) {
        await client
          .query('select pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, key])
          .catch(() => undefined)
        log.info('stepped down')
      }
      await dropClient()
    },
  }
}

/** Who holds a lock right now (its connection's identity), as the server sees it. */
export async function currentLeader(db: Database, lockName: string): Promise<string | null> {
  const { rows } = await sql<{ holder: string | null }>`
    select a.application_name as holder
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.objsubid = 2
       -- Advisory locks are cluster-wide in pg_locks: on a shared cluster another database's
       -- leader holds the same key.
       and l.database = (select oid from pg_database where datname = current_database())
       and l.classid = ${LOCK_NAMESPACE}::int::oid and l.objid = ${lockKey(lockName)}::int::oid`.execute(
    db,
  )
  return rows[0]?.holder?.replace(/^balancer leader /, '') ?? null
}
