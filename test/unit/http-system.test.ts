import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { appStatus } from '../helpers/app-status.js'
import { fakeServices } from '../helpers/fake-services.js'
import { createApp } from '../../src/server/http/app.js'
import { silentLogger } from '../../src/server/logger.js'

let server: Server | null = null

async function serve(reachable: boolean): Promise<string> {
  const app = createApp({
    services: fakeServices({
      status: { getAppStatus: () => Promise.resolve(appStatus(reachable)) },
    }),
    logger: silentLogger(),
  })
  server = createServer(app)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = null
})

describe('GET /', () => {
  it("keeps the seed's greeting", async () => {
    const base = await serve(true)
    const response = await fetch(`${base}/`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      message: 'Bay Wheels Orchestration & Dispatch Service',
    })
  })
})

describe('GET /health', () => {
  it('is 200 with the status and version only, to a caller without a token', async () => {
    const base = await serve(true)
    const response = await fetch(`${base}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', version: '0.1.0' })
  })

  it('is 503 with a detail that names nothing, to a caller without a token', async () => {
    const base = await serve(false)
    const response = await fetch(`${base}/health`)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(await response.json()).toEqual({
      status: 'unavailable',
      detail: 'the database is unavailable; try again shortly',
      version: '0.1.0',
    })
  })
})

describe('errors', () => {
  it('an unknown route is a 404 with a detail and a code', async () => {
    const base = await serve(true)
    const response = await fetch(`${base}/no/such/route`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      detail: 'no route for GET /no/such/route',
      code: 'not_found',
    })
  })

  it('a malformed JSON body is a 400, never a 500', async () => {
    const base = await serve(true)
    const response = await fetch(`${base}/dispatch/next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"worker_id": ',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 'malformed_body' })
  })

  it('an oversized body is a 413', async () => {
    const base = await serve(true)
    const response = await fetch(`${base}/dispatch/next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ worker_id: 'x'.repeat(100_000) }),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ code: 'body_too_large' })
  })

  it('responses carry a request id and security headers', async () => {
    const base = await serve(true)
    const response = await fetch(`${base}/`, { headers: { 'x-request-id': 'crew-7-req-1' } })
    expect(response.headers.get('x-request-id')).toBe('crew-7-req-1')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-powered-by')).toBeNull()
  })
})
