import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/server/http/app.js'
import { appStatus } from '../helpers/app-status.js'
import { fakeServices } from '../helpers/fake-services.js'

const TOKEN = 'bwb_' + 'S'.repeat(43)
let server: Server | null = null

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = null
})

/** The app with its log written to `lines`, and a crew token that authenticates. */
async function serve(lines: string[]): Promise<string> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const app = createApp({
    services: fakeServices({
      status: { getAppStatus: () => Promise.resolve(appStatus(true)) },
      auth: {
        authenticate: (token: string) =>
          Promise.resolve(
            token === TOKEN ? { name: 'Van 3', role: 'crew', crewId: 'van-3', tokenId: 12 } : null,
          ),
        createToken: () => Promise.reject(new Error('unused')),
        listTokens: () => Promise.reject(new Error('unused')),
        revokeToken: () => Promise.reject(new Error('unused')),
        forget: () => undefined,
      },
    }),
    logger: pino({ level: 'info', base: { app: 'balancer' } }, sink),
  })
  server = createServer(app)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

// What a crew's phone sends with every heartbeat, more or less.
const PHONE_HEADERS = {
  authorization: `Bearer ${TOKEN}`,
  'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/124.0 Mobile',
  accept: 'application/json',
  'accept-language': 'en-US,en;q=0.9',
  'x-request-id': 'phone-7f3a9c',
}

describe('the request log', () => {
  it('is one short line per request: method, path, status, time, request id, actor', async () => {
    const lines: string[] = []
    const base = await serve(lines)
    const response = await fetch(`${base}/health?verbose=1`, { headers: PHONE_HEADERS })
    expect(response.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 50))

    expect(lines).toHaveLength(1)
    const line = lines[0] ?? ''
    const entry = JSON.parse(line) as Record<string, unknown>
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/health',
      status: 200,
      reqId: 'phone-7f3a9c',
      actor: 'crew Van 3 (token 12)',
      msg: 'request',
    })
    expect(typeof entry.ms).toBe('number')
    // No header dumps, no token, not even its digest or prefix.
    expect(line).not.toMatch(/headers|user-agent|authorization|Mozilla/i)
    expect(line).not.toContain('SSSSSSSS')
    // pino-http's default line for this request was 1,473 bytes; this one is 174.
    console.info(`request log line: ${Buffer.byteLength(line)} bytes`)
    expect(Buffer.byteLength(line)).toBeLessThan(250)
  })

  it('says nothing of a wrong token either, and names no actor', async () => {
    const lines: string[] = []
    const base = await serve(lines)
    const wrong = 'bwb_' + 'W'.repeat(43)
    const response = await fetch(`${base}/tasks`, { headers: { authorization: `Bearer ${wrong}` } })
    expect(response.status).toBe(401)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('WWWWWWWW')
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ path: '/tasks', status: 401, level: 40 })
    expect(JSON.parse(lines[0] ?? '{}')).not.toHaveProperty('actor')
  })
})
