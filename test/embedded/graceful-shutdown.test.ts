import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { cliEnv, isAlive, postmasterPid, startServe } from '../helpers/cli.js'
import { createToken } from '../helpers/e2e.js'
import { keepAliveLoad } from '../helpers/keep-alive-load.js'

const run = promisify(execFile)
const cleanups: (() => Promise<unknown>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The same limit as runtime.ts: requests in flight get this long to finish. */
const DRAIN_MS = 5_000

/** A POST whose body arrives in two parts, `gapMs` apart: in flight for that long. */
function slowPost(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  gapMs: number,
): Promise<{ status: number; connection: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
    })
    req.on('response', (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection ?? null, text }),
      )
    })
    req.on('error', reject)
    req.write(body.slice(0, 10))
    setTimeout(() => req.end(body.slice(10)), gapMs)
  })
}

describe('serve on SIGTERM', () => {
  it('finishes requests in flight, refuses new ones on kept-alive sockets, then stops PostgreSQL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'balancer-shutdown-'))
    await chmod(dir, 0o755)
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const dataDir = join(dir, 'data')
    const env = cliEnv({ BALANCER_DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    const serve = await startServe(['--port', '0'], env, 60_000)
    cleanups.push(() => serve.stop('SIGKILL'))
    const postmaster = await postmasterPid(join(dataDir, 'postgres'))
    cleanups.push(() =>
      Promise.resolve(postmaster !== null && isAlive(postmaster) && process.kill(postmaster)),
    )
    const token = await createToken(env, 'dispatcher', 'Depot desk')
    const auth = { authorization: `Bearer ${token}` }

    // Eight busy clients on kept-alive sockets, and one request whose body is still arriving.
    const load = keepAliveLoad(serve.url, {
      path: '/tasks',
      headers: auth,
      concurrency: 8,
      maxMs: 30_000,
    })
    // Every client holds a kept-alive socket before the signal.
    await load.answered(16)
    const late = slowPost(
      serve.url,
      '/tokens',
      auth,
      JSON.stringify({ role: 'crew', name: 'Van 9' }),
      1_000,
    )
    await sleep(200)
    const termAt = Date.now()
    const code = await serve.stop('SIGTERM')
    const exitMs = Date.now() - termAt
    const outcomes = await load.ended
    process.stdout.write(`SIGTERM -> exit: ${exitMs} ms, ${outcomes.length} requests\n`)

    const logged = serve
      .stderr()
      .split('\n')
      .filter((line) => /shutting down|drained|stopped/.test(line))
    process.stdout.write(`${logged.join('\n')}\n`)
    expect(code).toBe(0)
    // The drain ends within its limit; the pool and PostgreSQL's fast shutdown follow it.
    expect(exitMs).toBeLessThan(DRAIN_MS + 5_000)
    // Every request got a whole answer or was refused before it was sent; none was cut.
    expect(outcomes.filter((o) => !o.complete && o.code !== 'ECONNREFUSED')).toEqual([])
    expect(outcomes.filter((o) => o.code === 'ECONNREFUSED')).toHaveLength(8)
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0)
    // After the signal (100 ms for it to arrive), kept-alive sockets carried no new work. How many
    // requests a client sends on its old socket before it sees the close depends on the load: on a
    // busy machine each had its answer (with Connection: close) before the signal and sent none.
    const after = outcomes.filter((o) => o.complete && o.startedAt > termAt + 100)
    for (const outcome of after) {
      expect(outcome).toMatchObject({ status: 503, connection: 'close' })
      expect(JSON.parse(outcome.body)).toMatchObject({ code: 'shutting_down' })
    }
    // The request in flight finished (its token was created) and closed its connection.
    const answer = await late
    expect(answer).toMatchObject({ status: 201, connection: 'close' })
    const drained = serve
      .stderr()
      .split('\n')
      .find((line) => line.includes('HTTP connections drained'))
    const result = JSON.parse(drained ?? '{}') as { cut: number; ms: number; refused: number }
    expect(result.cut).toBe(0)
    expect(result.ms).toBeLessThan(DRAIN_MS)
    expect(result.refused).toBeGreaterThanOrEqual(after.length)
    // PostgreSQL was stopped last, and the state file says nobody owns it.
    expect(postmaster !== null && isAlive(postmaster)).toBe(false)
    const state = JSON.parse(await readFile(join(dataDir, 'embedded-postgres.json'), 'utf8')) as {
      ownerPid: number | null
    }
    expect(state.ownerPid).toBeNull()
    const { stdout } = await run(process.execPath, ['bin/balancer.mjs', 'token', 'list'], { env })
    expect(stdout).toContain('Van 9')
  }, 120_000)
})
