import { setMaxListeners } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { printTable } from './lib.js'
import { emptyStats, runCrews, type CrewStats } from './soak/crew-loop.js'
import {
  clockLabel,
  currentPhase,
  describeFault,
  plannedFaults,
  runFaults,
  type Fault,
} from './soak/fault-schedule.js'
import { createPgCluster, findPgBin, type PgCluster } from './soak/pg-cluster.js'
import { ServeProcess, type StopResult } from './soak/serve-process.js'
import { checkInvariants, sample, type Invariants } from './soak/soak-checks.js'
import { freePort, inBatches, runCli, seedStations, startTopUp } from './soak/soak-setup.js'

export const description =
  'serve on its own PostgreSQL, N crews claiming and completing with phone retries for M minutes through restarts, an immediate stop and a SIGTERM; recovery times and end-of-run invariants'

/** Token creation runs the command line once per token; 4 at a time suits 2 shared cores. */
const CLI_WIDTH = 4

interface Options {
  minutes: number
  crews: number
}

function parseArgs(args: string[]): Options {
  const options: Options = { minutes: 5, crews: 64 }
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1])
    if (args[i] === '--minutes' && value > 0 && value <= 120) options.minutes = value
    else if (args[i] === '--crews' && Number.isInteger(value) && value > 0 && value <= 256)
      options.crews = value
    else
      throw new Error(
        `unknown option or value ${args[i] ?? ''} ${args[i + 1] ?? ''}; use --minutes N (up to 120) --crews N (1-256)`,
      )
  }
  return options
}

interface Report {
  options: Options
  stats: CrewStats
  faults: Fault[]
  serve: ServeProcess
  crewSeconds: number
  finalStop: StopResult | null
  invariants: Invariants | null
  invariantError: string | null
  topUpFailures: number
  interrupted: boolean
}

function printReport(report: Report): number {
  const { stats } = report
  const out = (line = '') => process.stdout.write(`${line}\n`)
  out('\nrequests by answer (every try, retries included):')
  const keys = [...new Set([...stats.answers.keys()].map((key) => key.replace(/^\S+ /, '')))]
  const rows = keys.sort().map((answer) => {
    const claim = stats.answers.get(`claim ${answer}`) ?? 0
    const complete = stats.answers.get(`complete ${answer}`) ?? 0
    return [answer, String(claim), String(complete), String(claim + complete)]
  })
  printTable([['answer', 'POST /dispatch/next', 'POST /task/{id}/complete', 'total'], ...rows])

  out('\nfaults (times from the fault):')
  printTable([
    [
      'fault',
      'at',
      'database/serve back',
      'first crew 200',
      'first 200 after back',
      'crew errors until then',
      'note',
    ],
    ...report.faults.map(describeFault),
  ])

  const rate = (n: number) => (n / report.crewSeconds).toFixed(1)
  out(
    `\n${report.options.crews} crews for ${report.crewSeconds.toFixed(0)} s: ${stats.claims} claims ` +
      `(${rate(stats.claims)}/s), ${stats.completions} completions (${rate(stats.completions)}/s); ` +
      `${stats.retriedClaims} claims and ${stats.retriedCompletions} completions answered on a retry; ` +
      `${stats.noTask} "no available tasks"; queue top-ups failed ${report.topUpFailures} times`,
  )
  const exits = report.serve.exits
  out(`serve exited on its own ${exits.length} time(s)`)
  for (const exit of exits) {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`
    out(`  serve exited on its own with ${how} at ${clockLabel(exit.at)} (${exit.during})`)
  }
  if (report.finalStop) {
    const stop = report.finalStop
    out(
      `serve at the end: SIGTERM → exit ${stop.signal ?? String(stop.code)} in ${(stop.ms / 1000).toFixed(1)} s${stop.killed ? ' (killed: it did not stop)' : ''}`,
    )
  }
  out(`lost (a final non-retryable failure): ${stats.lost.length}`)
  for (const lost of stats.lost.slice(0, 10)) {
    out(
      `  ${clockLabel(lost.at)} crew ${lost.crew} ${lost.action}${lost.taskId === null ? '' : ` task ${lost.taskId}`} after ${lost.attempts} tries: ${lost.outcome}`,
    )
  }
  if (stats.lost.length > 10) out(`  … and ${stats.lost.length - 10} more`)

  out('\ninvariants:')
  const results: [boolean, string][] = []
  const inv = report.invariants
  if (!inv) {
    results.push([false, `the end-of-run checks could not run: ${report.invariantError ?? ''}`])
  } else {
    results.push(
      [
        inv.notCompleted.length === 0 && inv.doubleCompleted.length === 0,
        `every task handed out was completed exactly once: ${inv.handedOut} handed out, ${inv.completed} completed, ` +
          `${inv.notCompleted.length} not completed${sample(inv.notCompleted)}, ` +
          `${inv.doubleCompleted.length} completed twice${sample(inv.doubleCompleted)}`,
      ],
      [
        inv.stillAssigned.length === 0,
        `none left assigned: ${inv.stillAssigned.length}${sample(inv.stillAssigned)}` +
          (inv.claimsUnseen.length > 0
            ? `; ${inv.claimsUnseen.length} claims no crew was told about${sample(inv.claimsUnseen)}`
            : ''),
      ],
      [
        inv.twoCrews.length === 0,
        `no task handed to two crews: ${inv.twoCrews.length}${sample(inv.twoCrews)} ` +
          `(handed out more than once: ${inv.handedTwice})`,
      ],
      [
        inv.completedUnseen.length === 0 && inv.seenNotCompleted.length === 0,
        `the crews' completions are the database's: ${inv.completedUnseen.length} completed without a crew told` +
          `${sample(inv.completedUnseen)}, ${inv.seenNotCompleted.length} told but not completed${sample(inv.seenNotCompleted)}`,
      ],
    )
  }
  results.push([exits.length === 0, `serve never exited on its own: ${exits.length}`])
  results.push([stats.lost.length === 0, `nothing lost: ${stats.lost.length}`])
  const ran = report.faults.filter((fault) => fault.startedAt !== undefined)
  results.push([
    !report.interrupted &&
      ran.length === report.faults.length &&
      ran.every((fault) => fault.firstOkAt !== undefined),
    `every fault injected and recovered from: ${ran.filter((f) => f.firstOkAt !== undefined).length} of ${report.faults.length}` +
      (report.interrupted ? ' (interrupted)' : ''),
  ])
  for (const [ok, line] of results) out(`${ok ? 'PASS' : 'FAIL'}  ${line}`)
  const failed = results.filter(([ok]) => !ok).length
  out(`\nsoak: ${failed === 0 ? 'PASS' : `FAIL (${failed} of ${results.length} checks)`}`)
  return failed === 0 ? 0 : 1
}

export async function run(args: string[]): Promise<number> {
  const options = parseArgs(args)
  // out/bench/index.js → the checkout, where bin/balancer.mjs is.
  const root = resolve(dirname(process.argv[1] ?? ''), '..', '..')
  const runMs = options.minutes * 60_000
  const abort = new AbortController()
  // Every crew's request and back-off listens to it: 2 each, and a few for the schedule.
  setMaxListeners(options.crews * 2 + 16, abort.signal)
  let t0 = performance.now()
  const clock = () => performance.now() - t0
  const log = (line: string) => process.stdout.write(`${clockLabel(clock())} ${line}\n`)

  let cluster: PgCluster | null = null
  let serve: ServeProcess | null = null
  let serveDir: string | null = null
  const cleanupSync = () => {
    serve?.killSync()
    cluster?.removeSync()
    if (serveDir) rmSync(serveDir, { recursive: true, force: true })
  }
  const onSignal = () => {
    if (abort.signal.aborted) {
      cleanupSync()
      process.exit(130)
    }
    process.stderr.write('soak: stopping (Ctrl-C again to quit at once)\n')
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', cleanupSync)
  try {
    const pgPort = await freePort()
    cluster = await createPgCluster(pgPort)
    const admin = new pg.Client({ connectionString: cluster.adminUrl })
    await admin.connect()
    await admin.query('create database soak')
    await admin.end()
    const url = `postgres://postgres@127.0.0.1:${pgPort}/soak`
    serveDir = await mkdtemp(join(tmpdir(), 'balancer-soak-serve-'))
    // Limits far above what 64 crews send (a crew here makes ~10 requests a second).
    await writeFile(
      join(serveDir, 'settings.json'),
      JSON.stringify({ rateLimitPerToken: 1_000_000, rateLimitPerAddress: 1_000_000, poll: false }),
    )
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' }
    delete env.DATABASE_URL
    const db = ['--database-url', url, '--data-dir', serveDir]
    let step = performance.now()
    const took = () => `${((performance.now() - step) / 1000).toFixed(1)} s`
    process.stdout.write(
      `soak: ${options.crews} crews for ${options.minutes} min; PostgreSQL ${findPgBin()} on 127.0.0.1:${pgPort}\n`,
    )
    // The first command builds the command-line bundle when its sources changed; then migrate.
    process.stdout.write(
      `${(await runCli(root, ['migrate', ...db], env, 300_000)).trim()} (${took()})\n`,
    )
    await seedStations(url)
    step = performance.now()
    const dispatcher = (
      await runCli(
        root,
        ['token', 'create', '--role', 'dispatcher', '--name', 'Soak desk', ...db],
        env,
      )
    ).trim()
    const tokens = await inBatches(options.crews, CLI_WIDTH, async (i) =>
      (
        await runCli(
          root,
          [
            'token',
            'create',
            '--role',
            'crew',
            '--name',
            `Soak van ${i}`,
            '--crew',
            `soak-${i}`,
            ...db,
          ],
          env,
        )
      ).trim(),
    )
    process.stdout.write(`${tokens.length + 1} tokens created with the command line (${took()})\n`)
    const topUp = await startTopUp(url)

    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const faults = plannedFaults()
    serve = new ServeProcess({
      args: [
        join(root, 'bin', 'balancer.mjs'),
        'serve',
        ...db,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--no-poll',
      ],
      env,
      clock,
      phase: () => currentPhase(faults, clock()),
      log,
    })
    step = performance.now()
    await serve.start()
    process.stdout.write(
      `serve listening on ${baseUrl} (${took()}); ${topUp.inserted} ready tasks\n\n`,
    )

    t0 = performance.now()
    const stats = emptyStats()
    const watchers: { threshold: number; recovered: (at: number) => void }[] = []
    const crewsDone = runCrews({
      baseUrl,
      tokens,
      stats,
      clock,
      stopClaiming: () => clock() >= runMs,
      signal: abort.signal,
      onOk: (sentAt, at) => {
        const due = watchers.filter((watcher) => sentAt >= watcher.threshold)
        if (due.length === 0) return
        watchers.splice(0, watchers.length, ...watchers.filter((w) => !due.includes(w)))
        for (const watcher of due) watcher.recovered(at)
      },
    })
    const progress = setInterval(() => {
      void summary(baseUrl, dispatcher).then((tasks) =>
        log(
          `claims ${stats.claims}, completions ${stats.completions}, crew errors ${stats.failures}, lost ${stats.lost.length}, serve exits ${serve?.exits.length ?? 0}${tasks}`,
        ),
      )
    }, 30_000)
    const faultsDone = runFaults({
      faults,
      runMs,
      cluster,
      serve,
      clock,
      failures: () => stats.failures,
      signal: abort.signal,
      log,
      watchRecovery: (threshold, recovered) => watchers.push({ threshold, recovered }),
    })
    // Crews finish the task they hold after the time is up: a retrying one may take its 120 s.
    const limit = sleep(runMs + 180_000, 'timeout' as const, { signal: abort.signal }).catch(
      () => 'aborted' as const,
    )
    const ended = await Promise.race([
      Promise.all([crewsDone, faultsDone]).then(() => 'done' as const),
      limit,
    ])
    clearInterval(progress)
    if (ended === 'timeout') {
      log('crews or faults did not finish 3 minutes after the time was up: stopping them')
      abort.abort()
    }
    await Promise.race([Promise.all([crewsDone, faultsDone]), sleep(20_000)])
    const crewSeconds = clock() / 1000
    log(`crews done; stopping serve`)
    const finalStop = await serve.finish()
    await topUp.stop()
    let invariants: Invariants | null = null
    let invariantError: string | null = null
    try {
      invariants = await checkInvariants(url, stats)
    } catch (error) {
      invariantError = error instanceof Error ? error.message : String(error)
    }
    return printReport({
      options,
      stats,
      faults,
      serve,
      crewSeconds,
      finalStop,
      invariants,
      invariantError,
      topUpFailures: topUp.failures,
      interrupted: abort.signal.aborted,
    })
  } finally {
    await serve?.finish().catch(() => null)
    cluster?.removeSync()
    if (serveDir) await rm(serveDir, { recursive: true, force: true })
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', cleanupSync)
  }
}

/** The server's own count of tasks by status, for the progress line (nothing when it fails). */
async function summary(baseUrl: string, token: string): Promise<string> {
  try {
    const response = await fetch(`${baseUrl}/tasks/summary`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(3_000),
    })
    if (response.status !== 200) return `; summary ${response.status}`
    const body = (await response.json()) as { byStatus?: Record<string, number> }
    const by = body.byStatus ?? {}
    return `; server: ready ${by.ready ?? 0}, assigned ${by.assigned ?? 0}, completed ${by.completed ?? 0}`
  } catch {
    return '; summary unanswered'
  }
}
