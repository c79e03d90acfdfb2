import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type RunningServe } from '../helpers/cli.js'
import { createToken, workspace, type Workspace } from '../helpers/e2e.js'

const CREWS = 64
const TASKS = 2_000

/**
 * Sends a request again after a 503, as a crew's phone does: a claim or a completion retried is
 * safe (a crew gets back the task it holds; the same completion again is a no-op), and a 2-core
 * CI machine running 64 crews may have the pool refuse a request for a moment.
 */
async function asAPhone(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await send()
    if (response.status !== 503 || attempt === 5) return response
    await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
  }
}

let space: Workspace | undefined
let env: NodeJS.ProcessEnv
let serve: RunningServe
let client: pg.Client

/**
 * The acceptance on a real `balancer serve`: tokens from `balancer token create`, 64 crews
 * looping on POST /dispatch/next and completing what they get, a crew refused approval, 1,000
 * malformed requests.
 * On TEST_DATABASE_URL's server when set (CI), else on an embedded PostgreSQL of its own.
 */
beforeAll(async () => {
  space = await workspace('balancer-e2e-dispatch-')
  env = space.env()
  serve = await startServe(['--port', '0'], env)
  client = new pg.Client({ connectionString: space.database.url })
  await client.connect()
  await client.query(`
    insert into systems (system_id, name) values ('bay', 'Bay Wheels');
    insert into stations (system_id, station_id, name, lat, lon) values
      ('bay', '74', 'Mission & 16th', 37.765, -122.42),
      ('bay', '5065.10', 'Townsend & 2nd', 37.78, -122.39)`)
}, 120_000)

afterAll(async () => {
  await client.end()
  await serve.stop()
  await space?.remove()
})

async function counts(): Promise<Record<string, number>> {
  const { rows } = await client.query<Record<string, string>>(`
    select (select count(*) from tasks) as tasks,
           (select count(*) from tasks where status = 'ready') as ready,
           (select count(*) from suggestions) as suggestions,
           (select count(*) from task_assignments) as assignments,
           (select count(*) from audit_log) as audit,
           (select count(*) from api_tokens) as tokens`)
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]))
}

describe('the dispatch API on a running balancer serve', () => {
  const crewTokens: string[] = []
  let dispatcher = ''

  it('hands out tokens from balancer token create, printed once on stdout', async () => {
    dispatcher = await createToken(env, 'dispatcher', 'depot desk')
    expect(dispatcher).toMatch(/^bwb_[\w-]{43}$/)
    // Sixteen at a time: each command opens the database on its own.
    for (let i = 0; i < CREWS; i += 16) {
      crewTokens.push(
        ...(await Promise.all(
          Array.from({ length: 16 }, (_, j) => createToken(env, 'crew', `Van ${i + j}`)),
        )),
      )
    }
    expect(new Set(crewTokens).size).toBe(CREWS)
    const { rows } = await client.query<{ token_hash: Buffer }>('select token_hash from api_tokens')
    const stored = rows.map((row) => row.token_hash.toString('hex')).join(' ')
    for (const token of crewTokens) expect(stored).not.toContain(Buffer.from(token).toString('hex'))
  }, 240_000)

  it(`${CREWS} crews claiming and completing until 404 do every one of ${TASKS} tasks exactly once`, async () => {
    await client.query(
      `insert into tasks (system_id, from_station_id, to_station_id, qty, created_at)
       select 'bay', '74', '5065.10', 1 + i % 12, now() - make_interval(secs => i)
         from generate_series(1, ${TASKS}) as i`,
    )
    const seen = new Map<number, number>()
    const problems: string[] = []
    await Promise.all(
      crewTokens.map(async (token) => {
        // A crew works one task at a time: it completes each before claiming the next.
        for (let round = 0; round <= TASKS; round++) {
          const response = await asAPhone(() =>
            fetch(`${serve.url}/dispatch/next`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: '{}',
            }),
          )
          const body = (await response.json()) as {
            id?: number
            detail?: string
            already_held?: boolean
          }
          if (response.status === 404) {
            if (body.detail !== 'No available tasks') problems.push(JSON.stringify(body))
            return
          }
          // Held already: only a claim whose answer a 503 took away, never a task it completed.
          if (
            response.status !== 200 ||
            body.id === undefined ||
            (body.already_held !== false && seen.has(body.id))
          ) {
            problems.push(`${response.status} ${JSON.stringify(body)}`)
            return
          }
          seen.set(body.id, (seen.get(body.id) ?? 0) + 1)
          const id = body.id
          const done = await asAPhone(() =>
            fetch(`${serve.url}/task/${id}/complete`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
            }),
          )
          await done.arrayBuffer()
          if (done.status !== 200) problems.push(`complete ${body.id}: ${done.status}`)
        }
      }),
    )
    expect(problems).toEqual([])
    expect(seen.size).toBe(TASKS)
    expect([...seen.values()].every((times) => times === 1)).toBe(true)
    expect(await counts()).toMatchObject({ ready: 0, assignments: TASKS })
    const { rows } = await client.query<{ completed: string }>(
      `select count(*) as completed from tasks where status = 'completed'`,
    )
    expect(Number(rows[0]?.completed)).toBe(TASKS)
  }, 240_000)

  it('refuses a crew token on POST /task/approve with a 403', async () => {
    const { rows } = await client.query<{ id: number }>(
      `insert into suggestions (system_id, from_station_id, to_station_id, qty)
       values ('bay', '74', '5065.10', 3) returning id`,
    )
    const response = await fetch(`${serve.url}/task/approve`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${crewTokens[0] ?? ''}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ suggestion_id: rows[0]?.id }),
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ code: 'forbidden' })
  })

  it('answers 1,000 malformed requests without a 500 and without changing a row', async () => {
    const before = await counts()
    const junk = [
      '{',
      '[]',
      'null',
      '"task"',
      '{"suggestion_id": "1; drop table tasks"}',
      '{"suggestion_id": 1e400}',
      '{"worker_id": {"$ne": null}}',
      '{"qty_moved": -1}',
      '{"suggestion_ids": []}',
      '{"suggestion_ids": [1, "x"]}',
      '{"from_station_id": null, "to_station_id": [], "qty": "many"}',
      '\u0000\u0001binary',
      '{"reason": ' + '"x",'.repeat(10) + '}',
    ]
    const targets = [
      ['POST', '/task/approve'],
      ['POST', '/task/approve-batch'],
      ['POST', '/dispatch/next'],
      ['POST', '/task/-1/complete'],
      ['POST', '/task/1e9/release'],
      ['POST', '/task/%00/cancel'],
      ['POST', '/suggestions'],
      ['POST', '/suggestions/abc/reject'],
      ['GET', '/tasks?limit=-5&status[]=x'],
      ['POST', '/crews/heartbeat'],
    ] as const
    const tokens = [crewTokens[1] ?? '', dispatcher, 'bwb_not-a-real-token', '']
    const statuses = new Map<number, number>()
    const requests = Array.from({ length: 1_000 }, (_, i) => {
      const [method, path] = targets[i % targets.length] ?? ['GET', '/']
      const token = tokens[Math.floor(i / targets.length) % tokens.length] ?? ''
      const body = junk[i % junk.length] ?? ''
      const contentType = i % 7 === 0 ? 'text/plain' : 'application/json'
      return { method, path, token, body: method === 'POST' ? body : undefined, contentType }
    })
    for (let i = 0; i < requests.length; i += 50) {
      await Promise.all(
        requests.slice(i, i + 50).map(async (request) => {
          const headers: Record<string, string> = { 'content-type': request.contentType }
          if (request.token) headers.authorization = `Bearer ${request.token}`
          const response = await fetch(`${serve.url}${request.path}`, {
            method: request.method,
            headers,
            body: request.body,
          })
          await response.arrayBuffer()
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        }),
      )
    }
    const codes = [...statuses.keys()]
    expect(codes.filter((status) => status >= 500)).toEqual([])
    expect(codes.every((status) => status >= 400 && status < 500)).toBe(true)
    expect(await counts()).toEqual(before)
  }, 120_000)

  it('stops within seconds while a browser holds a live event stream open', async () => {
    const response = await fetch(`${serve.url}/events`, {
      headers: { authorization: `Bearer ${dispatcher}` },
    })
    expect(response.status).toBe(200)
    const started = Date.now()
    expect(await serve.stop('SIGTERM')).toBe(0)
    expect(Date.now() - started).toBeLessThan(4_000)
    await response.body?.cancel().catch(() => undefined)
  })
})
