import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/server/logger.js'
import { currentLeader, startLeadership, type Leader } from '../../src/server/jobs/leader.js'
import { waitUntil } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase
const leaders: Leader[] = []

beforeAll(async () => {
  test = await createTestDatabase()
})
afterEach(async () => {
  await Promise.all(leaders.splice(0).map((leader) => leader.close()))
})
afterAll(async () => {
  await test.drop()
})

const CHECK_MS = 150

/** A console with one scheduled job that records when it runs on which console. */
function desk(identity: string, log: string[], lockName = 'jobs-under-test'): Leader {
  const leader = startLeadership({
    url: test.url,
    lockName,
    identity,
    checkMs: CHECK_MS,
    logger: silentLogger(),
    jobs: [
      {
        name: 'recorder',
        start: () => {
          log.push(`start ${identity}`)
          return () => {
            log.push(`stop ${identity}`)
            return Promise.resolve()
          }
        },
      },
    ],
  })
  leaders.push(leader)
  return leader
}

const leading = (all: Leader[]) => all.filter((leader) => leader.isLeader())

describe('leadership through an advisory lock', () => {
  it('elects exactly one of several consoles, and the server names it', async () => {
    const log: string[] = []
    const all = ['desk-1', 'desk-2', 'desk-3'].map((id) => desk(id, log))
    expect(await waitUntil(() => leading(all).length === 1, 5_000)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, CHECK_MS * 4))
    expect(leading(all)).toHaveLength(1)
    const [leader] = leading(all)
    expect(log).toEqual([`start ${leader?.identity}`])
    expect(await currentLeader(test.db, 'jobs-under-test')).toBe(leader?.identity)
  })

  it('hands over within a check interval when the leader closes', async () => {
    const log: string[] = []
    const all = ['desk-a', 'desk-b'].map((id) => desk(id, log))
    expect(await waitUntil(() => leading(all).length === 1, 5_000)).toBe(true)
    const first = leading(all)[0] as Leader
    const handedOver = Date.now()
    await first.close()
    expect(await waitUntil(() => leading(all).length === 1, 5_000)).toBe(true)
    expect(Date.now() - handedOver).toBeLessThan(CHECK_MS * 3)
    const second = leading(all)[0] as Leader
    expect(second.identity).not.toBe(first.identity)
    expect(log).toEqual([
      `start ${first.identity}`,
      `stop ${first.identity}`,
      `start ${second.identity}`,
    ])
  })

  it("lets another take over when the leader's connection dies, and the old one stops its jobs", async () => {
    const log: string[] = []
    const all = ['desk-x', 'desk-y'].map((id) => desk(id, log))
    expect(await waitUntil(() => leading(all).length === 1, 5_000)).toBe(true)
    const first = leading(all)[0] as Leader
    // What the server sees when a console's machine or process is gone: its session ends.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
               where application_name = ${`balancer leader ${first.identity}`}`.execute(test.db)
    expect(
      await waitUntil(() => leading(all).some((l) => l.identity !== first.identity), 5_000),
    ).toBe(true)
    expect(await waitUntil(() => log.includes(`stop ${first.identity}`), 5_000)).toBe(true)
    expect(leading(all).map((l) => l.identity)).not.toContain(first.identity)
    // Never two at once: the old leader stopped before or as the new one started, and each
    // start is followed by its stop before any other start.
    const starts = log.filter((line) => line.startsWith('start'))
    expect(starts).toHaveLength(2)
  })

  it('keeps different lock names apart', async () => {
    const log: string[] = []
    const polling = desk('desk-p', log, 'lock-one')
    const other = desk('desk-q', log, 'lock-two')
    expect(await waitUntil(() => polling.isLeader() && other.isLeader(), 5_000)).toBe(true)
  })
})
