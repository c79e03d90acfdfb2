import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SettingsInput } from '../../src/shared/settings.js'
import { loadSettings } from '../../src/server/config/settings.js'
import {
  createSettingsService,
  type SettingsService,
} from '../../src/server/settings/settings.service.js'
import {
  createEmptyDatabase,
  createTestDatabase,
  type TestDatabase,
} from '../helpers/test-database.js'

let database: TestDatabase
let dir: string
let settings: SettingsService

/**
 * The test database's URL with a password in it: its own (the embedded PostgreSQL's random one),
 * or, on a server that trusts any (TEST_DATABASE_URL's), a made-up one.
 */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.username ||= 'postgres'
  parsed.password = password
  return parsed.toString()
}

const INPUT: SettingsInput = {
  databaseUrl: null,
  feeds: [{ url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json' }],
  host: '0.0.0.0',
  port: 8000,
  leaseMinutes: 45,
  serviceHours: { start: '05:30', end: '23:00' },
  notifications: true,
}

const secret = () => new URL(database.url).password || 's3cret'

const fileText = () => readFile(join(dir, 'settings.json'), 'utf8')

beforeAll(async () => {
  database = await createTestDatabase()
  dir = await mkdtemp(join(tmpdir(), 'balancer-settings-'))
  // A hand-edited file with settings the page does not show: they must survive a save.
  await writeFile(
    join(dir, 'settings.json'),
    JSON.stringify({ poll: false, rateLimitPerToken: 900 }),
  )
  settings = createSettingsService({ dataDir: dir, env: {}, connectTimeoutMs: 2_000 })
})

afterAll(async () => {
  await database.drop()
  await rm(dir, { recursive: true, force: true })
})

describe('the Settings page against the settings file', () => {
  it('saves and loads back, keeping what the page does not show; the password is never shown', async () => {
    const url = withPassword(database.url, secret())
    const saved = await settings.save({ ...INPUT, databaseUrl: url })
    expect(saved.restartNeeded).toEqual(['database', 'API address', 'task lease'])
    expect(saved.settings.databaseUrl).toBe(url.replace(`:${secret()}@`, ':********@'))
    expect(JSON.stringify(await settings.get())).not.toContain(secret())

    const file = JSON.parse(await fileText()) as Record<string, unknown>
    expect(file).toMatchObject({ databaseUrl: url, poll: false, rateLimitPerToken: 900 })
    expect((await stat(join(dir, 'settings.json'))).mode & 0o777).toBe(0o600)

    // What the console reads at its next start.
    const loaded = await loadSettings({ dataDir: dir }, {})
    expect(loaded).toMatchObject({
      databaseUrl: url,
      host: '0.0.0.0',
      leaseMinutes: 45,
      poll: false,
      serviceHours: { start: '05:30', end: '23:00' },
    })
  })

  it('keeps the stored password when the masked value comes back unchanged', async () => {
    const shown = await settings.get()
    const saved = await settings.save({ ...INPUT, databaseUrl: shown.databaseUrl, port: 8100 })
    expect(saved.restartNeeded).toEqual(['API port'])
    expect(JSON.parse(await fileText())).toMatchObject({
      databaseUrl: withPassword(database.url, secret()),
      port: 8100,
    })
    // Testing the masked URL tests the stored one.
    expect(await settings.testDatabase({ databaseUrl: shown.databaseUrl })).toMatchObject({
      ok: true,
      migrations: { current: true, pending: [] },
    })
  })

  it('refuses bad input naming the field, and leaves the file as it was', async () => {
    const before = await fileText()
    const attempts: [Partial<SettingsInput>, RegExp][] = [
      [{ port: 70_000 }, /^port: must be between 0 and 65535/],
      [{ leaseMinutes: 0 }, /^leaseMinutes: must be between 1 and 1440 minutes/],
      [{ host: ' ' }, /^host: must not be empty/],
      [{ serviceHours: { start: '25:00', end: '22:00' } }, /^serviceHours\.start: must be a time/],
      [{ serviceHours: { start: '06:00', end: '06:00' } }, /^serviceHours: must start and end/],
      [{ feeds: [{ url: 'ftp://feeds' }] }, /^feeds\.0: must be an http/],
      [{ databaseUrl: 'mysql://db/balancer' }, /^databaseUrl: must be a postgres:\/\//],
      [
        { databaseUrl: 'postgres://balancer:********@elsewhere/balancer' },
        // The masked password of another file: there is one stored, so it is used, but the
        // server is not there.
        /^databaseUrl: elsewhere:5432\/balancer did not answer/,
      ],
      [
        { databaseUrl: 'postgres://postgres@127.0.0.1:1/balancer' },
        /^databaseUrl: 127\.0\.0\.1:1\/balancer did not answer: .*nothing was saved/,
      ],
    ]
    for (const [change, message] of attempts) {
      await expect(settings.save({ ...INPUT, ...change })).rejects.toThrow(message)
    }
    expect(await fileText()).toBe(before)
  })

  it('refuses a masked password when none is stored', async () => {
    const other = createSettingsService({
      dataDir: await mkdtemp(join(tmpdir(), 'balancer-settings-')),
      env: {},
    })
    await expect(
      other.save({ ...INPUT, databaseUrl: 'postgres://balancer:********@db/balancer' }),
    ).rejects.toThrow(/^databaseUrl: the password is hidden and none is saved/)
  })

  it('tests a database before it is saved: version, and whether its migrations are current', async () => {
    const empty = await createEmptyDatabase()
    const migrated = await settings.testDatabase({ databaseUrl: database.url })
    expect(migrated).toMatchObject({ ok: true, detail: null, migrations: { current: true } })
    expect(migrated.serverVersion).toMatch(/^\d+(\.\d+)?/)
    const fresh = await settings.testDatabase({ databaseUrl: empty.url })
    expect(fresh.ok).toBe(true)
    expect(fresh.migrations).toMatchObject({ applied: 0, current: false })
    expect(fresh.detail).toMatch(/empty database/)
    await empty.drop()
    const down = await settings.testDatabase({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
    })
    expect(down).toMatchObject({ ok: false, serverVersion: null, location: '127.0.0.1:1/none' })
    expect(down.detail).toMatch(/ECONNREFUSED/)
  })

  it('names the settings the environment overrides on this console', async () => {
    const overridden = createSettingsService({
      dataDir: dir,
      env: { DATABASE_URL: 'postgres://x@y/z', BALANCER_PORT: '9000' },
    })
    expect((await overridden.get()).overridden).toEqual([
      { field: 'databaseUrl', by: 'the environment (DATABASE_URL)' },
      { field: 'port', by: 'the environment (BALANCER_PORT)' },
    ])
  })
})
