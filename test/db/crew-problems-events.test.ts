import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CrewTaskEvent, Problem } from '../../src/shared/crew-work.js'
import { HUB_CHANNELS } from '../../src/server/events/events.routes.js'
import {
  createNotifyHub,
  type ChangeEvent,
  type NotifyHub,
} from '../../src/server/events/notify-hub.js'
import { silentLogger } from '../../src/server/logger.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { waitUntil } from '../helpers/cli.js'
import { insertTask } from '../helpers/crew-work.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// Problem reports with a photo (issue 15), and the crew's own event stream: a dispatcher's cancel
// and a revoked device reach the phone.

let database: TestDatabase
let hub: NotifyHub
let api: TestApi
let dispatcher: string
let analyst: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [
    { station_id: 'A', name: 'Folsom St' },
    { station_id: 'B', name: 'Harrison St' },
    { station_id: 'C', name: 'Bryant St' },
  ])
  hub = createNotifyHub({
    url: database.url,
    channels: HUB_CHANNELS,
    logger: silentLogger(),
    retryMs: 50,
  })
  api = await startApi(database, { events: hub })
  dispatcher = await api.token('dispatcher', 'desk')
  analyst = await api.token('analyst', 'analyst')
})

afterAll(async () => {
  await api.close()
  await hub.close()
  await database.drop()
})

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00])
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')])
const dataUrl = (type: string, bytes: Buffer) => `data:${type};base64,${bytes.toString('base64')}`

async function problemCount(): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from problems`.execute(
    database.db,
  )
  return rows[0]?.n ?? 0
}

describe('problem reports', () => {
  it('a crew reports at a station of its task with a photo; the console lists, shows, resolves', async () => {
    const crew = await api.token('crew', 'Van P', { crewId: 'van-p' })
    await insertTask(database.db, { from: 'A', to: 'B' })
    await api.call('POST', '/dispatch/next', { token: crew, body: {} })
    const heard: ChangeEvent[] = []
    const unsubscribe = hub.subscribe((event) => {
      if (event.channel === 'problems') heard.push(event)
    })
    const reported = await api.call('POST', '/problems', {
      token: crew,
      body: {
        station_id: 'A',
        kind: 'broken_docks',
        note: '2 docks broken',
        photo: dataUrl('image/jpeg', JPEG),
      },
    })
    expect(reported).toMatchObject({
      status: 201,
      body: {
        station_id: 'A',
        station_name: 'Folsom St',
        kind: 'broken_docks',
        note: '2 docks broken',
        has_photo: true,
        crew_id: 'van-p',
        resolved_at: null,
      },
    })
    const problem = reported.body as Problem
    const photo = await fetch(`${api.url}/problems/${problem.problem_id}/photo`, {
      headers: { authorization: `Bearer ${analyst}` },
    })
    expect(photo.headers.get('content-type')).toBe('image/jpeg')
    expect(Buffer.from(await photo.arrayBuffer()).equals(JPEG)).toBe(true)
    expect((await api.call('GET', '/problems?station_id=A', { token: analyst })).body).toEqual([
      problem,
    ])
    // A crew reads no problem list, and reports only at the stations of its tasks.
    expect((await api.call('GET', '/problems', { token: crew })).status).toBe(403)
    const elsewhere = await api.call('POST', '/problems', {
      token: crew,
      body: { station_id: 'C', kind: 'vandalism' },
    })
    expect(elsewhere).toMatchObject({ status: 403, body: { code: 'not_your_station' } })

    const resolved = await api.call('POST', `/problems/${problem.problem_id}/resolve`, {
      token: dispatcher,
      body: { note: 'docks fixed' },
    })
    expect(resolved.body).toMatchObject({ resolved_by: 'desk', resolution_note: 'docks fixed' })
    expect((await api.call('GET', '/problems', { token: dispatcher })).body).toEqual([])
    expect(
      (await api.call('POST', `/problems/${problem.problem_id}/resolve`, { token: dispatcher }))
        .status,
    ).toBe(409)
    expect(await waitUntil(() => heard.length >= 2, 5_000)).toBe(true)
    expect(heard.map((event) => JSON.parse(event.payload) as { event: string })).toMatchObject([
      { problem_id: problem.problem_id, event: 'reported' },
      { problem_id: problem.problem_id, event: 'resolved' },
    ])
    unsubscribe()
  })

  it('gives the console a photo as a data: URL of its stored bytes; 404 without one', async () => {
    const report = async (photo?: string) =>
      (
        await api.call('POST', '/problems', {
          token: dispatcher,
          body:
            photo === undefined
              ? { station_id: 'C', kind: 'other' }
              : { station_id: 'C', kind: 'other', photo },
        })
      ).body as Problem
    const withPng = await report(dataUrl('image/png', PNG))
    const read = await api.call('GET', `/problems/${withPng.problem_id}/photo.json`, {
      token: analyst,
    })
    expect(read).toMatchObject({
      status: 200,
      body: { problem_id: withPng.problem_id, content_type: 'image/png' },
    })
    const { data_url } = read.body as { data_url: string }
    const [head, base64] = data_url.split(',')
    expect(head).toBe('data:image/png;base64')
    expect(Buffer.from(base64 ?? '', 'base64').equals(PNG)).toBe(true)

    const without = await report()
    expect(
      await api.call('GET', `/problems/${without.problem_id}/photo.json`, { token: dispatcher }),
    ).toMatchObject({ status: 404, body: { code: 'no_photo' } })
    expect(
      await api.call('GET', '/problems/999999/photo.json', { token: dispatcher }),
    ).toMatchObject({ status: 404, body: { code: 'problem_not_found' } })
  })

  it('takes PNG and WebP; refuses a photo whose bytes are not its type, or over 2 MB', async () => {
    const report = (photo: string) =>
      api.call('POST', '/problems', {
        token: dispatcher,
        body: { station_id: 'C', kind: 'other', photo },
      })
    expect((await report(dataUrl('image/png', PNG))).status).toBe(201)
    expect((await report(dataUrl('image/webp', WEBP))).status).toBe(201)
    const before = await problemCount()
    const liar = await report(dataUrl('image/png', JPEG))
    expect(liar).toMatchObject({
      status: 400,
      body: {
        code: 'invalid_photo',
        detail: 'body.photo: says image/png but its bytes are not a image/png image',
      },
    })
    const gif = await report(dataUrl('image/gif', Buffer.from('GIF89a')))
    expect(gif).toMatchObject({ status: 400, body: { code: 'invalid_photo' } })
    // 2 MB + 1 byte of a real JPEG header: refused by its decoded size, not the body limit.
    const big = Buffer.concat([JPEG, Buffer.alloc(2 * 1024 * 1024 + 1 - JPEG.length)])
    const tooBig = await report(dataUrl('image/jpeg', big))
    expect(tooBig.status).toBe(400)
    expect((tooBig.body as { detail: string }).detail).toMatch(/^body\.photo: .*at most 2 MB/)
    // Exactly 2 MB is taken: the body limit of this route allows it as base64.
    const max = Buffer.concat([JPEG, Buffer.alloc(2 * 1024 * 1024 - JPEG.length)])
    expect((await report(dataUrl('image/jpeg', max))).status).toBe(201)
    expect(await problemCount()).toBe(before + 1)
    // Other routes keep the 64 kB body limit.
    const padded = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: 1, note: 'x'.repeat(70_000) },
    })
    expect(padded.status).toBe(413)
  })
})

/** A crew's event stream, read as it arrives. */
async function openStream(token: string) {
  const controller = new AbortController()
  const response = await fetch(`${api.url}/crew/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  })
  expect(response.status).toBe(200)
  const reader = response.body?.getReader()
  if (!reader) throw new Error('no stream')
  const stream = { text: '', ended: false }
  const reading = (async () => {
    const decoder = new TextDecoder()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      stream.text += decoder.decode(value as Uint8Array)
    }
    stream.ended = true
  })().catch(() => undefined)
  const events = () =>
    [...stream.text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map(([, name, data]) => ({
      name,
      data: JSON.parse(data ?? 'null') as unknown,
    }))
  return {
    stream,
    events,
    close: async () => {
      controller.abort()
      await reading
    },
  }
}

describe("the crew's event stream", () => {
  it("a dispatcher's cancel reaches the crew within 5 s, with the reason; other crews hear nothing", async () => {
    const crew = await api.token('crew', 'Van Q', { crewId: 'van-q' })
    const other = await api.token('crew', 'Van R', { crewId: 'van-r' })
    const id = await insertTask(database.db, { from: 'B', to: 'C' })
    await api.call('POST', '/dispatch/next', { token: crew, body: {} })
    const mine = await openStream(crew)
    const theirs = await openStream(other)
    const started = Date.now()
    await api.call('POST', `/task/${id}/cancel`, {
      token: dispatcher,
      body: { reason: 'station closed for works' },
    })
    // The claim's own notification may still arrive after the stream opened: look for the cancel.
    const canceled = () =>
      mine
        .events()
        .find(
          (event) => event.name === 'task' && (event.data as CrewTaskEvent).change === 'canceled',
        )
    expect(await waitUntil(() => canceled() !== undefined, 5_000)).toBe(true)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(canceled()?.data).toEqual({
      id,
      status: 'canceled',
      change: 'canceled',
      reason: 'station closed for works',
    } satisfies CrewTaskEvent)
    expect(theirs.events()).toEqual([])
    await mine.close()
    await theirs.close()
  })

  it('signs the device out when its token is revoked, and ends the stream', async () => {
    const crew = await api.token('crew', 'Van S', { crewId: 'van-s' })
    const session = await api.call('GET', '/me', { token: crew })
    const tokenId = (session.body as { token_id: number }).token_id
    const open = await openStream(crew)
    await sql`select pg_notify('devices', ${JSON.stringify({ device_id: 1, token_id: tokenId + 1000, event: 'revoked' })})`.execute(
      database.db,
    )
    await sql`select pg_notify('devices', ${JSON.stringify({ device_id: 2, token_id: tokenId, event: 'revoked' })})`.execute(
      database.db,
    )
    expect(await waitUntil(() => open.stream.ended, 5_000)).toBe(true)
    expect(open.events()).toEqual([
      { name: 'signed_out', data: { reason: 'this device was revoked' } },
    ])
    await open.close()
  })
})
