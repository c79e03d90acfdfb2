import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANNELS, type Channel, type ConsoleBridge } from '../../src/shared/contract.js'
import type { Suggestion, Task } from '../../src/shared/dispatch.js'
import { CONSOLE_ACTOR } from '../../src/server/auth/actor.js'
import { reportProblem } from '../../src/server/crew/problems.js'
import { pairDevice } from '../../src/server/crew-access/pairing.service.js'
import { createHttpClient } from '../../src/renderer/src/api/client.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { electronBridge } from '../helpers/electron-bridge.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { pdt, pollTimes, writeHistory } from '../helpers/service-history.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { tripFixture } from '../helpers/trips.js'

let database: TestDatabase
let api: TestApi
let ipc: ConsoleBridge
let http: ConsoleBridge
let dataDir: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: 'A' }, { station_id: 'B' }])
  // A morning of status: A empty from 08:00 to 09:00, B never.
  await writeHistory(database.db, {
    systemId: SYSTEM,
    stations: [],
    polls: pollTimes('2023-07-12 05:00', '2023-07-12 23:00', 5).map((at) => ({
      at,
      states: {
        A:
          at >= pdt('2023-07-12 08:00') && at < pdt('2023-07-12 09:00')
            ? { bikes: 0, docks: 20 }
            : { bikes: 10, docks: 10 },
        B: { bikes: 10, docks: 10 },
      },
    })),
  })
  dataDir = await mkdtemp(join(tmpdir(), 'balancer-contract-'))
  api = await startApi(database, {
    settings: { dataDir, runningDatabase: { mode: 'configured', url: database.url }, env: {} },
    // Where a phone reaches this server: what a pairing's link carries.
    crewAccess: () => ({
      url: 'http://192.168.1.20:8000',
      reachable_from_lan: true,
      loopback_only: false,
      tls: { enabled: false, fingerprint_sha256: null },
      warning: null,
    }),
  })
  const dispatcher = await api.token('dispatcher', 'browser desk')
  ipc = electronBridge(api.services, tripFixture('lyft-2023-semicolon-crlf.csv'))
  http = createHttpClient(api.url, { token: () => dispatcher })
})

afterAll(async () => {
  await api.close()
  await database.drop()
  await rm(dataDir, { recursive: true, force: true })
})

async function suggestion(): Promise<Suggestion> {
  return api.services.dispatch.createSuggestion(
    { from_station_id: 'A', to_station_id: 'B', qty: 3 },
    { name: 'engine', role: 'engine', crewId: null, tokenId: null },
  )
}

describe('every console channel, over IPC in the app and over HTTP in a browser', () => {
  it.each([
    ['the desktop app (IPC)', () => ipc],
    ['a browser (HTTP)', () => http],
  ] as const)('works from %s with the same answers', async (where, client) => {
    const c = client()
    const covered = new Set<Channel>()
    const invoke: ConsoleBridge['invoke'] = (channel, ...request) => {
      covered.add(channel)
      return c.invoke(channel, ...request)
    }
    await invoke('app:status')
    // The desktop window is the depot's own dispatcher; a browser is whoever its token names.
    expect(await invoke('session:me')).toEqual(
      where.includes('IPC')
        ? { name: 'console', role: 'dispatcher', crew_id: null, token_id: null }
        : { name: 'browser desk', role: 'dispatcher', crew_id: null, token_id: expect.any(Number) },
    )
    const first = await suggestion()
    expect(await invoke('suggestions:list', {})).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: first.id, status: 'open' })]),
    )
    const task: Task = await invoke('tasks:approve', { suggestion_id: first.id })
    expect(task).toMatchObject({ status: 'ready', suggestion_id: first.id })
    // A move by hand, its bikes changed, assigned to no crew in particular (task-moves.test.ts
    // has the refusals, with fits_qty over both edges).
    const byHand = await invoke('tasks:create', {
      from_station_id: 'B',
      to_station_id: 'A',
      qty: 2,
    })
    expect(byHand).toMatchObject({ status: 'ready', suggestion_id: null, qty: 2, for_crew: null })
    expect(await invoke('tasks:change', { task_id: byHand.id, qty: 1 })).toMatchObject({ qty: 1 })
    expect(await invoke('tasks:assign', { task_id: byHand.id, crew_id: null })).toMatchObject({
      for_crew: null,
    })
    const [a, b] = [await suggestion(), await suggestion()]
    const batch = await invoke('tasks:approveBatch', { suggestion_ids: [a.id, b.id] })
    expect(batch.map((t) => t.suggestion_id)).toEqual([a.id, b.id])
    const rejected = await invoke('suggestions:reject', {
      suggestion_id: (await suggestion()).id,
      note: 'no',
    })
    expect(rejected).toMatchObject({ status: 'rejected', decision_note: 'no' })
    expect(await invoke('suggestions:undo', { suggestion_id: rejected.id })).toMatchObject({
      status: 'open',
      decision_note: null,
    })
    // Rejected again: an open one for the same stations would refuse the other edge's undo.
    await invoke('suggestions:reject', { suggestion_id: rejected.id })
    // No trips imported here: the engine runs, says why it has nothing, touches nothing.
    const run = await invoke('suggestions:run', {})
    expect(run).toMatchObject({ source: 'engine', created: 0, superseded: 0, model_version: null })
    expect(run.note).toMatch(/no trips imported/)
    await expect(invoke('suggestions:run', { system_id: 'elsewhere' })).rejects.toThrow(
      /no system "elsewhere"/,
    )
    const page = await invoke('tasks:list', { status: 'ready', limit: 2 })
    expect(page.tasks).toHaveLength(2)
    expect(page.next_cursor).not.toBeNull()
    expect(await invoke('tasks:cancel', { task_id: task.id, reason: 'test' })).toMatchObject({
      status: 'canceled',
    })
    expect(await invoke('tasks:get', { task_id: task.id })).toMatchObject({
      task: { id: task.id, status: 'canceled' },
      suggestion: { id: first.id },
    })
    expect((await invoke('tasks:summary')).byStatus.canceled).toBeGreaterThanOrEqual(1)
    const created = await invoke('tokens:create', { name: 'Van Z', role: 'crew', van_capacity: 8 })
    expect(created.token).toMatch(/^bwb_/)
    expect(await invoke('crews:list')).toEqual(
      expect.arrayContaining([expect.objectContaining({ crew_id: 'van-z', van_capacity: 8 })]),
    )
    expect(await invoke('tokens:list', {})).toEqual(
      expect.arrayContaining([expect.objectContaining({ token_id: created.info.token_id })]),
    )
    expect(await invoke('tokens:revoke', { token_id: created.info.token_id })).toMatchObject({
      revoked_at: expect.any(String),
    })
    // A crew's phone: a pairing code for its crew, the phone pairs, the console sees and revokes it.
    const pairing = await invoke('pairings:create', { crew_id: 'van-z' })
    expect(pairing.url).toBe(`http://192.168.1.20:8000/crew/#pair=${pairing.code}`)
    const phone = await pairDevice(api.services.crewAccess, { code: pairing.code, address: 'x' })
    expect(phone.crew_id).toBe('van-z')
    expect(await invoke('devices:list')).toContainEqual(
      expect.objectContaining({ device_id: phone.device_id, crew_id: 'van-z', revoked_at: null }),
    )
    expect(await invoke('devices:revoke', { device_id: phone.device_id })).toMatchObject({
      device_id: phone.device_id,
      revoked_at: expect.any(String),
    })
    // A problem at a station with a photo: listed, its photo read as a data: URL, then resolved
    // by whoever the console is.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    const photo = `data:image/png;base64,${png.toString('base64')}`
    const reported = await reportProblem(
      api.services.crewWork,
      { station_id: 'A', kind: 'broken_docks', note: '2 docks broken', photo },
      CONSOLE_ACTOR,
    )
    expect(await invoke('problems:list', { station_id: 'A' })).toContainEqual(
      expect.objectContaining({ problem_id: reported.problem_id, note: '2 docks broken' }),
    )
    expect(await invoke('problems:photoData', { problem_id: reported.problem_id })).toEqual({
      problem_id: reported.problem_id,
      content_type: 'image/png',
      data_url: photo,
    })
    expect(
      await invoke('problems:resolve', { problem_id: reported.problem_id, note: 'fixed' }),
    ).toMatchObject({
      resolved_by: where.includes('IPC') ? 'console' : 'browser desk',
      resolution_note: 'fixed',
    })
    expect(await invoke('problems:list', { station_id: 'A' })).toEqual([])
    // The canceled task was never given back.
    expect(await invoke('tasks:releases', { task_id: task.id })).toEqual([])
    await expect(invoke('tasks:releases', { task_id: 999_999 })).rejects.toThrow(
      /not found|no task/i,
    )
    await expect(invoke('tasks:approve', { suggestion_id: first.id })).rejects.toThrow(
      /was already approved into task/,
    )
    expect(await invoke('feeds:health')).toMatchObject({ feeds: [], stale: false })
    expect(await invoke('feeds:stations', { staleOnly: true })).toEqual([
      expect.objectContaining({ stationId: 'A', stale: true, staleReason: 'no_status' }),
      expect.objectContaining({ stationId: 'B', stale: true, staleReason: 'no_status' }),
    ])
    // Flows of stations without trips: every bin present, all zeros.
    const hourly = await invoke('flows:station', {
      stationId: 'A',
      from: '2018-02-01',
      to: '2018-02-02',
      bin: 'hour',
    })
    expect(hourly.points).toHaveLength(24)
    expect(hourly.totals).toEqual({ outflow: 0, inflow: 0 })
    const daily = await invoke('flows:system', { from: '2018-02-01', to: '2018-02-03', bin: 'day' })
    expect(daily.points.map((p) => p.local)).toEqual(['2018-02-01 00:00', '2018-02-02 00:00'])
    const profile = await invoke('flows:profile', {
      stationId: 'A',
      from: '2018-02-05',
      to: '2018-02-19',
    })
    // A profile averages over the days that have trips, and this system has none.
    expect(profile.days).toEqual([0, 0, 0, 0, 0, 0, 0])
    await expect(
      invoke('flows:station', { stationId: 'nowhere', from: '2018-02-01', to: '2018-02-02' }),
    ).rejects.toThrow(/no station "nowhere"/)
    expect(await invoke('feeds:stations', { stationId: 'B' })).toEqual([
      expect.objectContaining({ stationId: 'B', systemName: expect.any(String) }),
    ])
    // A station's history (none recorded yet) and its neighbours, nearest first.
    const history = await invoke('stations:history', {
      stationId: 'A',
      from: '2018-02-01',
      to: '2018-02-02',
    })
    expect(history).toMatchObject({ stationId: 'A', changes: 0, points: [] })
    expect(history.from).toBe('2018-02-01T08:00:00.000Z')
    expect(await invoke('stations:nearby', { stationId: 'A', limit: 3 })).toEqual([
      expect.objectContaining({ stationId: 'B', distanceMeters: expect.any(Number) }),
    ])
    expect(await invoke('suggestions:list', { station: 'B', status: 'all' })).toEqual(
      expect.arrayContaining([expect.objectContaining({ to_station_id: 'B' })]),
    )
    // Service levels: the day's figures, its stations and clusters, the report, the crews.
    const range = { from: '2023-07-12', to: '2023-07-13' }
    expect((await invoke('service:refresh', {})).days.map((d) => d.day)).toEqual(
      where.includes('IPC') ? ['2023-07-12'] : [],
    )
    const summary = await invoke('service:summary', range)
    expect(summary.days).toEqual([
      expect.objectContaining({ day: '2023-07-12', minutes_empty: 60, stations: 2 }),
    ])
    const levels = await invoke('service:stations', range)
    expect(levels.stations.map((s) => [s.station_id, s.minutes_empty])).toEqual([
      ['A', 60],
      ['B', 0],
    ])
    // Two stations: each one's cluster is the other (its nearest).
    const clusters = await invoke('service:clusters', range)
    expect(clusters.clusters.map((c) => c.members.map((m) => m.station_id))).toEqual([['B'], ['A']])
    const report = await invoke('service:report', { day: '2023-07-12' })
    expect(report.stations.map((s) => [s.station_id, s.minutes_empty])).toEqual([
      ['A', 60],
      ['B', 0],
    ])
    const crews = await invoke('service:crews', range)
    expect(crews.totals).toMatchObject({ created: 0, completed: 0 })
    expect((await invoke('service:taskEffects', range)).tasks).toEqual([])
    await expect(
      invoke('service:summary', { from: '2023-07-13', to: '2023-07-12' }),
    ).rejects.toThrow(/must be after from/)
    // A sign-in link's code that was never printed signs nobody in.
    await expect(invoke('session:signIn', { code: 'AAAAAAAAAAAAAAAAAAAAAA' })).rejects.toThrow(
      /sign-in|code|dispatcher/i,
    )
    // A decision on an import that is not waiting for one names it.
    await expect(invoke('trips:discard', { import_id: 999 })).rejects.toThrow(/999/)
    await expect(invoke('trips:accept', { import_id: 999 })).rejects.toThrow(/999/)
    // Trip files are on the desktop's disk: the app imports them, a browser is told why not.
    if (where.includes('IPC')) {
      const chosen = await invoke('trips:chooseFiles')
      const imported = await invoke('trips:import', chosen)
      // The fixture's station ids are not this system's: kept apart until a person decides.
      expect(imported.outcomes[0]).toMatchObject({ status: 'quarantined', rowsImported: 6 })
      const waiting = await invoke('trips:quarantined', {})
      expect(waiting).toEqual([
        expect.objectContaining({ rowsImported: 6, file: 'lyft-2023-semicolon-crlf.csv' }),
      ])
      const importId = waiting.map((w) => w.importId)[0] ?? 0
      expect(await invoke('trips:accept', { import_id: importId })).toMatchObject({
        decision: 'accepted',
        trips: 6,
      })
      expect(await invoke('trips:quarantined', {})).toEqual([])
      await expect(
        invoke('trips:upload', { file: new Blob(['x']), fileName: 'a.csv' }),
      ).rejects.toThrow(/imports trip files from disk/)
    } else {
      await expect(invoke('trips:chooseFiles')).rejects.toThrow(/choose a file to upload it/)
      expect(await invoke('trips:quarantined', {})).toEqual([])
      await expect(
        invoke('trips:import', { paths: [tripFixture('lyft-2023-semicolon-crlf.csv')] }),
      ).rejects.toThrow(/needs the desktop app/)
      // A browser sends the file's bytes; the server imports them with the same service.
      const bytes = await readFile(tripFixture('lyft-2023-semicolon-crlf.csv.gz'))
      const progress: string[] = []
      const off = c.on('trips:import-progress', (p) => progress.push(`${p.file} ${p.phase}`))
      const uploaded = await invoke('trips:upload', {
        file: new Blob([bytes]),
        fileName: 'lyft-2023-semicolon-crlf.csv.gz',
      })
      off()
      expect(progress).toContain('lyft-2023-semicolon-crlf.csv.gz reading')
      // The same content as the desktop's import above: recognised, not imported twice.
      expect(uploaded.outcomes).toEqual([
        expect.objectContaining({
          status: 'already-imported',
          file: 'lyft-2023-semicolon-crlf.csv.gz',
        }),
      ])
    }
    // No trips were fitted here: no model yet, and a tile outside the scheme names its column.
    expect(await invoke('engine:models')).toEqual([])
    await expect(invoke('map:tileData', { z: 1, x: 2, y: 0 })).rejects.toThrow(/x|column/)
    // Settings: both read them (the password masked); only the desktop tests and saves.
    const shown = await invoke('settings:get')
    expect(shown).toMatchObject({ databaseUrl: null, port: 8000, leaseMinutes: 60 })
    const input = { ...shown, port: 8100 }
    delete (input as Partial<typeof shown>).settingsFile
    delete (input as Partial<typeof shown>).overridden
    delete (input as Partial<typeof shown>).running
    if (where.includes('IPC')) {
      const test = await invoke('settings:testDatabase', { databaseUrl: database.url })
      expect(test).toMatchObject({ ok: true, migrations: { current: true } })
      expect(test.serverVersion).toMatch(/^\d+/)
      const saved = await invoke('settings:save', input)
      expect(saved.restartNeeded).toEqual(['API port'])
      expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({
        port: 8100,
      })
      // Back as it was for the browser's turn.
      await invoke('settings:save', { ...input, port: 8000 })
    } else {
      await expect(invoke('settings:testDatabase', { databaseUrl: null })).rejects.toThrow(
        /never changes the server’s settings/,
      )
      await expect(invoke('settings:save', input)).rejects.toThrow(
        /never changes the server’s settings/,
      )
    }
    expect([...covered].sort()).toEqual([...CHANNELS].sort())
  })
})
