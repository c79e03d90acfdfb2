import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase, createPool } from '../../src/server/db/database.js'
import { silentLogger } from '../../src/server/logger.js'
import { createStatusService } from '../../src/server/status/status.service.js'
import { freePort } from '../helpers/ports.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase

beforeAll(async () => {
  test = await createTestDatabase()
})
afterAll(async () => {
  await test.drop()
})

describe('the status service', () => {
  it('reports a reachable database with its version', async () => {
    const service = createStatusService({
      db: test.db,
      mode: 'configured',
      location: 'test',
      version: '9.9.9',
      apiUrl: () => 'http://127.0.0.1:8000',
    })
    const status = await service.getAppStatus()
    expect(status.version).toBe('9.9.9')
    expect(status.apiUrl).toBe('http://127.0.0.1:8000')
    expect(status.database.reachable).toBe(true)
    expect(status.database.serverVersion).toMatch(/^\d+/)
    expect(status.database.detail).toBeNull()
  })

  it('reports an unreachable database in words, quickly, without throwing', async () => {
    const port = await freePort()
    const db = createDatabase(
      createPool(`postgres://postgres:x@127.0.0.1:${port}/balancer`, silentLogger(), { max: 1 }),
    )
    try {
      const service = createStatusService({
        db,
        mode: 'configured',
        location: `127.0.0.1:${port}/balancer`,
        version: '9.9.9',
        apiUrl: () => null,
        probeTimeoutMs: 1_000,
      })
      const started = Date.now()
      const status = await service.getAppStatus()
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(status.database.reachable).toBe(false)
      expect(status.database.detail).toMatch(
        new RegExp(`127\\.0\\.0\\.1:${port}/balancer is unreachable`),
      )
    } finally {
      await db.destroy()
    }
  })
})
