import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { currentLeader, JOBS_LOCK, LOCK_NAMESPACE, lockKey } from '../../src/server/jobs/leader.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let other: TestDatabase
let api: TestApi

beforeAll(async () => {
  database = await createTestDatabase()
  other = await createTestDatabase()
  api = await startApi(database)
})

afterAll(async () => {
  await api.close()
  await database.drop()
  await other.drop()
})

/** A token of the right shape that no one holds: each one costs a look-up when it is asked. */
const wrongToken = () => `bwb_${randomBytes(32).toString('base64url')}`

describe('wrong tokens', () => {
  it('are looked up at most 30 times a minute per address, then refused unasked with a 429', async () => {
    // The limits a server runs with (300 a minute per address, 30 wrong tokens).
    const guarded = await startApi(database, { rateLimits: { perToken: 6_000, perAddress: 300 } })
    try {
      const crew = await guarded.token('crew', 'Van beside the guesser')
      expect((await guarded.call('GET', '/tasks', { token: crew })).status).toBe(200)

      const lookups = vi.spyOn(guarded.services.auth, 'authenticate')
      const statuses: number[] = []
      let refused: Awaited<ReturnType<TestApi['call']>> | null = null
      for (let i = 0; i < 100; i++) {
        const answer = await guarded.call('GET', '/tasks', { token: wrongToken() })
        statuses.push(answer.status)
        if (answer.status === 429) refused ??= answer
      }
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(30)
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401))
      expect(statuses.slice(30)).toEqual(Array(70).fill(429))
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(Number(refused?.headers.get('retry-after'))).toBeLessThanOrEqual(60)
      expect(refused?.body).toMatchObject({ code: 'rate_limited' })
      lookups.mockRestore()

      // The health check and the seed's greeting keep answering that address...
      expect((await guarded.call('GET', '/health')).status).toBe(200)
      expect((await guarded.call('GET', '/')).status).toBe(200)
      // ...and a crew whose token worked before keeps working from it.
      expect((await guarded.call('GET', '/tasks', { token: crew })).status).toBe(200)
    } finally {
      await guarded.close()
    }
  })
})

describe('GET /health', () => {
  it('says status and version only to a caller without a token, or with a crew token', async () => {
    const crew = await api.token('crew', 'Van health')
    for (const token of [undefined, crew]) {
      const { status, body } = await api.call('GET', '/health', { token })
      expect(status).toBe(200)
      expect(body).toEqual({ status: 'ok', version: expect.any(String) as unknown })
    }
  })

  it('gives the database, the feeds and the leader to a dispatcher or an analyst', async () => {
    for (const role of ['dispatcher', 'analyst'] as const) {
      const token = await api.token(role)
      const { status, body } = await api.call('GET', '/health', { token })
      expect(status).toBe(200)
      expect(body).toMatchObject({
        status: 'ok',
        database: { reachable: true, location: database.name },
        feeds: { leader: null },
      })
    }
  })

  it("names this database's leader, never another database's on the same cluster", async () => {
    const key = lockKey(JOBS_LOCK)
    const lockOn = async (url: string, name: string) => {
      const client = new pg.Client({ connectionString: url, application_name: name })
      await client.connect()
      await client.query('select pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, key])
      return client
    }
    const elsewhere = await lockOn(other.url, 'balancer leader other-depot:1')
    try {
      expect(await currentLeader(database.db, JOBS_LOCK)).toBeNull()
      const here = await lockOn(database.url, 'balancer leader this-depot:2')
      try {
        expect(await currentLeader(database.db, JOBS_LOCK)).toBe('this-depot:2')
        expect(await currentLeader(other.db, JOBS_LOCK)).toBe('other-depot:1')
      } finally {
        await here.end()
      }
    } finally {
      await elsewhere.end()
    }
  })
})
