import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import {
  feedKind,
  parseDiscovery,
  siblingUrls,
  systemIdFromUrl,
} from '../../src/server/gbfs/discovery.js'
import { FeedError } from '../../src/server/gbfs/feed-error.js'
import { FeedReader } from '../../src/server/gbfs/feed-reader.js'
import { feedNameOf } from '../../src/server/gbfs/feed-server.js'
import { httpFetcher } from '../../src/server/gbfs/fetch.js'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'
import { freePort } from '../helpers/ports.js'

const servers: Server[] = []
afterAll(async () => {
  await closeFeedServers()
  for (const server of servers) server.closeAllConnections()
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

const signal = () => new AbortController().signal

describe('the feed server', () => {
  it('finds feeds by file name, taking captures named by time', () => {
    expect(feedNameOf('station_status_2023-07-19T190700Z.json')).toBe('station_status')
    expect(feedNameOf('station_information_TRUNCATED_invalid_json.json')).toBe(
      'station_information',
    )
    expect(feedNameOf('gbfs_versions.json')).toBe('gbfs_versions')
    expect(feedNameOf('gbfs.json')).toBe('gbfs')
    expect(feedNameOf('README.md')).toBeNull()
    expect(feedNameOf('notes.json')).toBeNull()
  })

  it('makes up a gbfs.json for a folder without one, listing what the folder has', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const body = (await (await fetch(server.url)).json()) as {
      data: { en: { feeds: { name: string; url: string }[] } }
      version?: string
    }
    expect(body.version).toBeUndefined()
    expect(body.data.en.feeds).toEqual(
      ['station_information', 'station_status', 'system_information'].map((name) => ({
        name,
        url: server.url.replace('gbfs.json', `${name}.json`),
      })),
    )
  })

  it("points a folder's own gbfs.json here, keeping only the feeds it has", async () => {
    const server = await serveFeed(fixture('v3.0'))
    const body = (await (await fetch(server.url)).json()) as {
      version: string
      data: { feeds: { name: string; url: string }[] }
    }
    expect(body.version).toBe('3.0')
    expect(body.data.feeds.map((feed) => feed.url)).toEqual(
      ['system_information', 'vehicle_types', 'station_information', 'station_status'].map((name) =>
        server.url.replace('gbfs.json', `${name}.json`),
      ),
    )
  })

  it('answers conditional requests with 304 while a file is unchanged', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const url = server.url.replace('gbfs.json', 'station_status.json')
    const first = await fetch(url)
    const etag = first.headers.get('etag') ?? ''
    const modified = first.headers.get('last-modified') ?? ''
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304)
    expect((await fetch(url, { headers: { 'if-modified-since': modified } })).status).toBe(304)
    expect((await fetch(url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
    const missing = await fetch(server.url.replace('gbfs.json', 'free_bike_status.json'))
    expect(missing.status).toBe(404)
  })
})

describe('discovery', () => {
  it('reads a data file URL as a feed without gbfs.json, its siblings beside it', () => {
    const url = 'https://gbfs.baywheels.com/gbfs/en/station_information.json'
    expect(feedKind(url)).toBe('direct')
    expect(feedKind('https://gbfs.baywheels.com/gbfs/2.3/gbfs.json')).toBe('gbfs')
    expect(feedKind('https://toronto.publicbikesystem.net/customer/gbfs/v3.0/gbfs')).toBe('gbfs')
    expect(siblingUrls(url).station_status).toBe(
      'https://gbfs.baywheels.com/gbfs/en/station_status.json',
    )
  })

  it("takes the preferred language's feed list, else English, and resolves relative URLs", () => {
    const document = {
      data: {
        fr: { feeds: [{ name: 'station_status', url: 'fr/station_status.json' }] },
        en: { feeds: [{ name: 'station_status', url: 'en/station_status.json' }] },
      },
    }
    const base = 'https://example.invalid/gbfs/gbfs.json'
    expect(parseDiscovery(document, base).urls.station_status).toBe(
      'https://example.invalid/gbfs/en/station_status.json',
    )
    expect(parseDiscovery(document, base, 'fr')).toMatchObject({ language: 'fr' })
    expect(() => parseDiscovery({ data: { en: {} } }, base)).toThrow(FeedError)
  })

  it('names a system without system_information after its address', () => {
    expect(systemIdFromUrl('https://gbfs.citibikenyc.com/gbfs/en/station_information.json')).toBe(
      'gbfs.citibikenyc.com-gbfs-en',
    )
    expect(systemIdFromUrl('http://127.0.0.1:41999/oslo-bysykkel-2.3-2025-04-01/gbfs.json')).toBe(
      'oslo-bysykkel-2.3-2025-04-01',
    )
  })

  it('polls a feed given by its station_information URL, without a gbfs.json', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const direct = server.url.replace('gbfs.json', 'station_information.json')
    const reader = new FeedReader({ url: direct }, httpFetcher())
    const { snapshot } = await reader.read(signal(), new Date('2023-07-19T19:07:00Z'))
    expect(snapshot.stations).toHaveLength(3)
    expect(snapshot.statuses).toHaveLength(3)
    expect(snapshot.system?.systemId).toBe('test_wheels')
    expect(snapshot.warnings.some((w) => w.code === 'optional_file_failed')).toBe(false)
  })
})

async function stubServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('fetching a feed file', () => {
  it('gives up on a server that does not answer in time', async () => {
    const base = await stubServer(() => undefined)
    const fetchFile = httpFetcher({ timeoutMs: 200 })
    await expect(
      fetchFile('station_status', `${base}/station_status.json`, null, signal()),
    ).rejects.toThrow(
      /^station_status\.json: no complete answer from 127\.0\.0\.1:\d+ within 0\.2 s$/,
    )
  })

  it('refuses an answer larger than allowed, announced or streamed', async () => {
    const announced = await stubServer((_req, res) => res.end('x'.repeat(5000)))
    const streamed = await stubServer((_req, res) => {
      res.write('x'.repeat(800))
      res.end('x'.repeat(800))
    })
    const fetchFile = httpFetcher({ maxBytes: 1000 })
    await expect(
      fetchFile('station_status', `${announced}/s.json`, null, signal()),
    ).rejects.toThrow('station_status.json: the answer is 5000 bytes, more than the 1000 allowed')
    await expect(fetchFile('station_status', `${streamed}/s.json`, null, signal())).rejects.toThrow(
      'station_status.json: the answer is larger than the 1000 bytes allowed',
    )
  })

  it('says which host refused the connection, and what status a server answered', async () => {
    const port = await freePort()
    const fetchFile = httpFetcher()
    await expect(
      fetchFile('gbfs', `http://127.0.0.1:${port}/gbfs.json`, null, signal()),
    ).rejects.toThrow(`gbfs.json: 127.0.0.1:${port} refused the connection`)
    const base = await stubServer((_req, res) => {
      res.statusCode = 503
      res.end('busy')
    })
    const failure = await fetchFile('gbfs', `${base}/gbfs.json`, null, signal()).catch(
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(FeedError)
    expect((failure as FeedError).httpStatus).toBe(503)
    expect((failure as FeedError).message).toMatch(/^gbfs\.json: HTTP 503 Service Unavailable/)
  })

  it('sends the validators it was given', async () => {
    let seen: string | undefined
    const base = await stubServer((req, res) => {
      seen = req.headers['if-none-match']
      res.statusCode = 304
      res.end()
    })
    const answer = await httpFetcher()(
      'station_status',
      `${base}/s.json`,
      { etag: '"abc"', lastModified: null },
      signal(),
    )
    expect(answer).toEqual({ kind: 'not_modified', status: 304 })
    expect(seen).toBe('"abc"')
  })
})
