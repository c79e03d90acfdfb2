import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startApi, type TestApi } from '../helpers/api.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// The Idempotency-Key header on the crew's state-changing routes: a retry with the same key gets
// the first answer, status and bytes, and the work is done once.

let database: TestDatabase
let api: TestApi
let crewA: string
let crewB: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: 'A' }, { station_id: 'B' }])
  api = await startApi(database)
  crewA = await api.token('crew', 'Van IA', { crewId: 'van-ia' })
  crewB = await api.token('crew', 'Van IB', { crewId: 'van-ib' })
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

beforeEach(async () => {
  await sql`truncate task_assignments, tasks, idempotency_keys restart identity cascade`.execute(
    database.db,
  )
})

async function readyTasks(count: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    insert into tasks (system_id, from_station_id, to_station_id, qty, priority)
    select ${SYSTEM}, 'A', 'B', 3, ${count} - i from generate_series(0, ${count} - 1) as i
    returning id`.execute(database.db)
  return rows.map((row) => row.id)
}

/** A POST as a phone sends it, and the answer's exact bytes. */
async function post(
  path: string,
  token: string,
  key: string | undefined,
  body: unknown = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  })
  return { status: response.status, text: await response.text(), headers: response.headers }
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown>

describe('Idempotency-Key', () => {
  it('a replayed claim is the first answer byte for byte, even after the task was completed', async () => {
    const [id] = await readyTasks(2)
    const first = await post('/dispatch/next', crewA, 'claim-1')
    expect(first.status).toBe(200)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(json(first.text)).toMatchObject({ id, status: 'assigned', already_held: false })
    const done = await post(`/task/${id}/complete`, crewA, 'complete-1', { qty_moved: 3 })
    expect(json(done.text)).toMatchObject({ status: 'completed' })
    const replay = await post('/dispatch/next', crewA, 'claim-1')
    expect(replay.status).toBe(200)
    expect(replay.text).toBe(first.text)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(replay.headers.get('content-type')).toBe(first.headers.get('content-type'))
    // Nothing was claimed by the replay: the second task is still ready.
    const { rows } = await sql<{ status: string }>`
      select status from tasks order by id`.execute(database.db)
    expect(rows.map((row) => row.status)).toEqual(['completed', 'ready'])
    // A new key is a new claim.
    const next = await post('/dispatch/next', crewA, 'claim-2')
    expect(json(next.text)).toMatchObject({ already_held: false, status: 'assigned' })
    expect(json(next.text).id).not.toBe(id)
  })

  it('complete and give back replay their first answer instead of a 409', async () => {
    const [id] = await readyTasks(1)
    await post('/dispatch/next', crewA, undefined)
    const released = await post(`/task/${id}/release`, crewA, 'give-back', { reason: 'flat' })
    expect(json(released.text)).toMatchObject({ status: 'ready' })
    const again = await post(`/task/${id}/release`, crewA, 'give-back', { reason: 'flat' })
    expect(again).toMatchObject({ status: 200, text: released.text })
    // Without the key the same request is judged on what is now: a task the crew no longer holds.
    expect((await post(`/task/${id}/release`, crewA, undefined, { reason: 'flat' })).status).toBe(
      403,
    )
    await post('/dispatch/next', crewA, undefined)
    const done = await post(`/task/${id}/complete`, crewA, 'done', { qty_moved: 2 })
    const redone = await post(`/task/${id}/complete`, crewA, 'done', { qty_moved: 2 })
    expect(redone).toMatchObject({ status: 200, text: done.text })
  })

  it('the same key with another body or route is a 422 naming the header, and changes nothing', async () => {
    const [id] = await readyTasks(1)
    await post('/dispatch/next', crewA, undefined)
    const done = await post(`/task/${id}/complete`, crewA, 'k-1', { qty_moved: 3 })
    expect(done.status).toBe(200)
    const otherBody = await post(`/task/${id}/complete`, crewA, 'k-1', { qty_moved: 2 })
    expect(otherBody.status).toBe(422)
    expect(json(otherBody.text)).toEqual({
      code: 'idempotency_key_reused',
      detail: `Idempotency-Key: "k-1" was first sent with another body to POST /task/${id}/complete; a retry sends the same body, a new request a new key`,
    })
    const otherRoute = await post('/dispatch/next', crewA, 'k-1')
    expect(otherRoute.status).toBe(422)
    expect(json(otherRoute.text).detail).toBe(
      `Idempotency-Key: "k-1" was first sent with POST /task/${id}/complete; send a new key for a new request`,
    )
    const { rows } = await sql<{ qty_moved: number }>`select qty_moved from tasks`.execute(
      database.db,
    )
    expect(rows).toEqual([{ qty_moved: 3 }])
  })

  it('a refusal is the first answer too; the work it refused is not done later under that key', async () => {
    const empty = await post('/dispatch/next', crewA, 'early')
    expect(empty.status).toBe(404)
    await readyTasks(1)
    const replay = await post('/dispatch/next', crewA, 'early')
    expect(replay).toMatchObject({ status: 404, text: empty.text })
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect((await post('/dispatch/next', crewA, 'later')).status).toBe(200)
  })

  it("keys are each crew's own, and are forgotten once expired", async () => {
    await readyTasks(3)
    const a = await post('/dispatch/next', crewA, 'shared-key')
    const b = await post('/dispatch/next', crewB, 'shared-key')
    expect(json(b.text).worker_id).toBe('van-ib')
    expect(json(b.text).id).not.toBe(json(a.text).id)
    const { rows } = await sql<{ actor: string; hours: number }>`
      select actor, round(extract(epoch from expires_at - created_at) / 3600) as hours
        from idempotency_keys order by actor`.execute(database.db)
    expect(rows).toHaveLength(2)
    expect(rows.map((row) => [row.actor, row.hours])).toEqual([
      ['crew:van-ia', 24],
      ['crew:van-ib', 24],
    ])
    // Past its expiry the key names a new request: the crew holds its task, so it gets it back.
    await sql`update idempotency_keys set created_at = now() - interval '25 hours',
                                          expires_at = now() - interval '1 hour'`.execute(
      database.db,
    )
    const late = await post('/dispatch/next', crewA, 'shared-key')
    expect(late.headers.get('idempotent-replayed')).toBeNull()
    expect(json(late.text)).toMatchObject({ id: json(a.text).id, already_held: true })
  })

  it("a crew's new token (its phone paired again) replays what the revoked one did", async () => {
    const [id] = await readyTasks(1)
    await post('/dispatch/next', crewA, 'claim-before-revoke')
    const before = await post(`/task/${id}/complete`, crewA, 'done-in-a-tunnel', { qty_moved: 2 })
    const audited = async () => {
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from audit_log where action = 'task.complete'`.execute(database.db)
      return Number(rows[0]?.n)
    }
    const completions = await audited()
    const repaired = await api.token('crew', 'Van IA again', { crewId: 'van-ia' })
    const again = await post(`/task/${id}/complete`, repaired, 'done-in-a-tunnel', { qty_moved: 2 })
    expect(again.status).toBe(before.status)
    expect(again.text).toBe(before.text)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await audited()).toBe(completions)
  })

  it('a malformed key is a 400 naming the header, and nothing is claimed', async () => {
    await readyTasks(1)
    for (const key of ['with space', 'x'.repeat(256), 'é']) {
      const response = await post('/dispatch/next', crewA, key)
      expect(response.status).toBe(400)
      expect(json(response.text).detail).toBe(
        'Idempotency-Key: must be 1-255 visible ASCII characters (a UUID, say)',
      )
    }
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from tasks where status = 'assigned'`.execute(database.db)
    expect(rows[0]?.n).toBe(0)
  })

  it('a heartbeat sent twice with one key is recorded once', async () => {
    const before = await sql<{ n: number }>`
      select count(*) as n from crew_heartbeats where crew_id = 'van-ia'`.execute(database.db)
    const body = { lat: 37.77, lon: -122.42, battery: 0.5 }
    const first = await post('/crews/heartbeat', crewA, 'beat-1', body)
    const again = await post('/crews/heartbeat', crewA, 'beat-1', body)
    expect(first.status).toBe(200)
    expect(again.text).toBe(first.text)
    const after = await sql<{ n: number }>`
      select count(*) as n from crew_heartbeats where crew_id = 'van-ia'`.execute(database.db)
    expect(Number(after.rows[0]?.n)).toBe(Number(before.rows[0]?.n) + 1)
  })

  it('OpenAPI documents the header, its replay marker and the 422 on the crew routes', async () => {
    const document = (await api.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>
    }
    for (const path of [
      '/dispatch/next',
      '/task/{task_id}/complete',
      '/task/{task_id}/release',
      '/crews/heartbeat',
    ]) {
      const operation = document.paths[path]?.post
      expect(operation?.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: 'header', name: 'Idempotency-Key' }),
        ]),
      )
      expect(operation?.responses).toMatchObject({
        '200': { headers: { 'Idempotent-Replayed': expect.anything() } },
        '422': expect.anything(),
      })
      expect(operation?.description).toMatch(/Idempotency-Key/)
    }
    const claim = document.paths['/dispatch/next']?.post as {
      description: string
      responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>
    }
    expect(claim.description).toMatch(/already_held: true/)
    expect(claim.responses['200']?.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/ClaimedTask',
    )
  })
})
