import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Actor } from '../../src/server/auth/actor.js'
import { createApp } from '../../src/server/http/app.js'
import { silentLogger } from '../../src/server/logger.js'
import type { Services } from '../../src/server/services.js'
import { tilesInBox } from '../../src/server/tiles/tile-math.js'
import {
  createTilesService,
  TILE_USER_AGENT,
  type TilesService,
} from '../../src/server/tiles/tiles.service.js'
import { fakeServices } from '../helpers/fake-services.js'

/** A tile server on 127.0.0.1 that answers what each test says, and counts what it is asked. */
interface FakeUpstream {
  template: string
  asked: IncomingMessage[]
  answer: (req: IncomingMessage) => {
    status: number
    headers?: Record<string, string>
    body?: Buffer
  }
  close(): Promise<void>
}

const listening = new Set<Server>()

async function fakeUpstream(): Promise<FakeUpstream> {
  const upstream: Partial<FakeUpstream> & { asked: IncomingMessage[] } = { asked: [] }
  upstream.answer = (req) => ({
    status: 200,
    headers: { 'content-type': 'image/png', 'cache-control': 'max-age=3600', etag: '"v1"' },
    body: tileBytes(req.url ?? ''),
  })
  const server = createServer((req, res) => {
    upstream.asked.push(req)
    const { status, headers = {}, body } = (upstream as FakeUpstream).answer(req)
    res.writeHead(status, headers)
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  listening.add(server)
  const { port } = server.address() as AddressInfo
  upstream.template = `http://127.0.0.1:${port}/{z}/{x}/{y}.png`
  upstream.close = () =>
    new Promise<void>((resolve) => {
      listening.delete(server)
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return upstream as FakeUpstream
}

/** 2,000 bytes that say which tile they are. */
function tileBytes(path: string): Buffer {
  return Buffer.concat([Buffer.from(path), Buffer.alloc(2_000 - path.length, 7)])
}

let dataDir = ''
let clock = Date.parse('2026-12-07T12:00:00Z')
const now = () => clock

function service(template: string, cacheMB = 500): TilesService {
  return createTilesService({
    settings: { url: template, cacheMB },
    dataDir,
    now,
    timeoutMs: 2_000,
  })
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tiles-'))
  clock = Date.parse('2026-12-07T12:00:00Z')
})

afterEach(async () => {
  for (const server of listening) server.close()
  listening.clear()
  await rm(dataDir, { recursive: true, force: true })
})

describe('map tiles through the server', () => {
  it('fetches a tile once with its own user agent, then serves it from disk while fresh', async () => {
    const upstream = await fakeUpstream()
    const tiles = service(upstream.template)
    const first = await tiles.tile({ z: 12, x: 655, y: 1583 })
    expect(first.source).toBe('upstream')
    expect(first.bytes.equals(tileBytes('/12/655/1583.png'))).toBe(true)
    expect(upstream.asked[0]?.headers['user-agent']).toBe(TILE_USER_AGENT)
    expect(existsSync(join(dataDir, 'tiles', '12', '655', '1583.tile'))).toBe(true)

    clock += 3_000_000
    const again = await tiles.tile({ z: 12, x: 655, y: 1583 })
    expect(again.source).toBe('cache')
    expect(again.maxAgeSeconds).toBe(600)
    expect(again.bytes.equals(first.bytes)).toBe(true)
    expect(upstream.asked).toHaveLength(1)
  })

  it('asks again when the tile is stale, conditionally, and keeps the bytes on a 304', async () => {
    const upstream = await fakeUpstream()
    const tiles = service(upstream.template)
    const first = await tiles.tile({ z: 3, x: 1, y: 2 })
    clock += 3_601_000
    upstream.answer = () => ({ status: 304, headers: { 'cache-control': 'max-age=60' } })
    const again = await tiles.tile({ z: 3, x: 1, y: 2 })
    expect(upstream.asked[1]?.headers['if-none-match']).toBe('"v1"')
    expect(again.source).toBe('upstream')
    expect(again.maxAgeSeconds).toBe(60)
    expect(again.bytes.equals(first.bytes)).toBe(true)
  })

  it('serves what it has from disk when the tile server is out of reach, even stale, even after a restart', async () => {
    const upstream = await fakeUpstream()
    await service(upstream.template).tile({ z: 5, x: 5, y: 12 })
    await upstream.close()
    clock += 30 * 86_400_000
    const restarted = service(upstream.template)
    const offline = await restarted.tile({ z: 5, x: 5, y: 12 })
    expect(offline.source).toBe('stale')
    expect(offline.bytes.equals(tileBytes('/5/5/12.png'))).toBe(true)
    expect((await restarted.usage()).tiles).toBe(1)
  })

  it('keeps the cache within its bound, the oldest stored going first', async () => {
    const upstream = await fakeUpstream()
    // Room for three tiles with their headers (2,000 bytes and about 130 each), not four.
    const tiles = service(upstream.template, 7_000 / 1_048_576)
    for (const x of [0, 1, 2, 3]) {
      await tiles.tile({ z: 4, x, y: 0 })
      clock += 1_000
    }
    const usage = await tiles.usage()
    expect(usage.tiles).toBe(3)
    expect(usage.bytes).toBeLessThanOrEqual(7_000)
    expect(existsSync(join(dataDir, 'tiles', '4', '0', '0.tile'))).toBe(false)
    expect(existsSync(join(dataDir, 'tiles', '4', '3', '0.tile'))).toBe(true)
    // The evicted tile is fetched again; the newest ones are still served from disk.
    await tiles.tile({ z: 4, x: 3, y: 0 })
    expect(upstream.asked).toHaveLength(4)
    await tiles.tile({ z: 4, x: 0, y: 0 })
    expect(upstream.asked).toHaveLength(5)
    // A restart reads the sizes back and keeps the same bound.
    expect((await service(upstream.template, 7_000 / 1_048_576).usage()).tiles).toBe(3)
  })

  it('refuses a tile outside the scheme, naming the field', async () => {
    const tiles = service('http://127.0.0.1:9/{z}/{x}/{y}.png')
    await expect(tiles.tile({ z: 2, x: 4, y: 0 })).rejects.toThrow('x: must be 0 to 3 at zoom 2')
    await expect(tiles.tile({ z: 21, x: 0, y: 0 })).rejects.toThrow('z: must be 0 to 20')
  })

  it('lists the tiles of an area zoom by zoom, stopping at the limit', () => {
    const box = { west: -122.52, south: 37.7, east: -122.35, north: 37.82 }
    const tiles = tilesInBox(box, 12, 13, 10_000)
    expect(tiles.filter((t) => t.z === 12).length).toBeGreaterThan(0)
    expect(tiles.find((t) => t.z === 12 && t.x === 655 && t.y === 1583)).toBeTruthy()
    expect(tilesInBox(box, 12, 18, 100)).toHaveLength(100)
  })
})

describe('GET /tiles/{z}/{x}/{y}.png and .json', () => {
  const READER: Actor = { name: 'desk', role: 'analyst', crewId: null, tokenId: 1 }

  async function api(tiles: TilesService): Promise<string> {
    const auth = {
      authenticate: (token: string) => Promise.resolve(token === 'bwb_reader' ? READER : null),
    } as unknown as Services['auth']
    const app = createApp({ services: fakeServices({ auth, tiles }), logger: silentLogger() })
    const server = createServer(app)
    listening.add(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  const get = (url: string) => fetch(url, { headers: { authorization: 'Bearer bwb_reader' } })

  it('answers the image with its caching, and the same as a data: URL', async () => {
    const upstream = await fakeUpstream()
    const base = await api(service(upstream.template))
    const image = await get(`${base}/tiles/12/655/1583.png`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(image.headers.get('cache-control')).toBe('private, max-age=3600')
    expect(Buffer.from(await image.arrayBuffer()).equals(tileBytes('/12/655/1583.png'))).toBe(true)
    const data = (await (await get(`${base}/tiles/12/655/1583.json`)).json()) as {
      data_url: string
      source: string
    }
    expect(data.source).toBe('cache')
    expect(data.data_url).toBe(
      `data:image/png;base64,${tileBytes('/12/655/1583.png').toString('base64')}`,
    )
    expect((await fetch(`${base}/tiles/12/655/1583.png`)).status).toBe(401)
  })

  it('answers 502 naming the tile server and why, when it fails and the cache has nothing', async () => {
    const upstream = await fakeUpstream()
    upstream.answer = () => ({ status: 503, body: Buffer.from('busy') })
    const base = await api(service(upstream.template))
    const failed = await get(`${base}/tiles/3/1/1.png`)
    expect(failed.status).toBe(502)
    const host = new URL(upstream.template.replace(/\{\w\}/g, '0')).host
    expect(await failed.json()).toEqual({
      detail: `tile 3/1/1: the tile server ${host} answered 503 Service Unavailable`,
      code: 'tile_upstream_error',
    })
    await upstream.close()
    const away = await get(`${base}/tiles/3/1/2.json`)
    expect(away.status).toBe(502)
    expect(((await away.json()) as { detail: string }).detail).toMatch(
      new RegExp(`^tile 3/1/2: the tile server ${host} could not be reached \\(.*ECONNREFUSED`),
    )
  })

  it('answers 400 naming the field for a tile that cannot exist', async () => {
    const base = await api(service('http://127.0.0.1:9/{z}/{x}/{y}.png'))
    const bad = await get(`${base}/tiles/2/9/0.png`)
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { detail: string }).detail).toBe('x: must be 0 to 3 at zoom 2')
    expect((await get(`${base}/tiles/a/0/0.png`)).status).toBe(400)
  })
})
