import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/server/cli/main.js'
import { tilesInBox } from '../../src/server/tiles/tile-math.js'

let dataDir = ''
let server: Server | null = null
let asked: number[] = []

/** A tile server on 127.0.0.1 that notes when each request came. */
async function upstream(): Promise<string> {
  server = createServer((_req, res) => {
    asked.push(Date.now())
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=86400' })
    res.end(Buffer.alloc(500, 1))
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/{z}/{x}/{y}.png`
}

/** `balancer <args>`: its exit code and what it printed. */
async function balancer(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk)
    return true
  })
  try {
    const code = await main(['node', 'balancer', ...args])
    return { code: code || (process.exitCode === 1 ? 1 : 0), out, err }
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
    process.exitCode = undefined
  }
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tiles-prefetch-'))
  asked = []
})

afterEach(async () => {
  server?.closeAllConnections()
  server?.close()
  server = null
  await rm(dataDir, { recursive: true, force: true })
})

// Around the Ferry Building: 2 tiles at zoom 14, 4 at 15.
const BOX = '-122.397,37.793,-122.390,37.797'

describe('balancer tiles prefetch', () => {
  it("fetches an area's tiles at the rate asked, then finds them cached", async () => {
    const template = await upstream()
    const expected = tilesInBox(
      { west: -122.397, south: 37.793, east: -122.39, north: 37.797 },
      14,
      15,
      100,
    ).length
    const flags = ['--bbox', BOX, '--zoom', '14-15', '--rate', '10', '--tile-url', template]
    const first = await balancer(['tiles', 'prefetch', ...flags, '--data-dir', dataDir])
    expect(first.code).toBe(0)
    expect(first.out).toMatch(new RegExp(`^${expected} fetched, 0 already cached, 0 failed;`))
    expect(asked).toHaveLength(expected)
    // At most 10 a second: the requests spread over at least ~100 ms each (jitter allowed).
    expect((asked.at(-1) ?? 0) - (asked[0] ?? 0)).toBeGreaterThanOrEqual((asked.length - 1) * 90)
    const again = await balancer(['tiles', 'prefetch', ...flags, '--data-dir', dataDir])
    expect(again.out).toMatch(new RegExp(`^0 fetched, ${expected} already cached`))
    expect(asked).toHaveLength(expected)
  })

  it('refuses more tiles than its cap, asking nothing', async () => {
    const template = await upstream()
    const whole = await balancer([
      'tiles',
      'prefetch',
      '--bbox',
      '-123,37,-121,38.5',
      '--zoom',
      '10-17',
      '--tile-url',
      template,
      '--data-dir',
      dataDir,
    ])
    expect(whole.code).toBe(1)
    expect(whole.err).toContain('more than 5,000 tiles: narrow --bbox or --zoom')
    expect(asked).toHaveLength(0)
  })

  it('stops when the tile server does not answer', async () => {
    const failed = await balancer([
      'tiles',
      'prefetch',
      '--bbox',
      '-122.5,37.7,-122.3,37.8',
      '--zoom',
      '13',
      '--rate',
      '50',
      '--tile-url',
      'http://127.0.0.1:9/{z}/{x}/{y}.png',
      '--data-dir',
      dataDir,
    ])
    expect(failed.code).toBe(1)
    expect(failed.err).toContain('the tile server is not answering: stopped after 5 failures')
  })
})
