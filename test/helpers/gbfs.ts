import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  directorySource,
  startFeedServer,
  type FeedServer,
  type FeedSource,
} from '../../src/server/gbfs/feed-server.js'

/** The made-up feeds of test/fixtures/gbfs (see its README). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'gbfs')

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts)
}

const servers: FeedServer[] = []

/** Serves a folder (or any source) on 127.0.0.1; `closeFeedServers` in afterAll stops them. */
export async function serveFeed(source: string | FeedSource): Promise<FeedServer> {
  const server = await startFeedServer(
    typeof source === 'string' ? directorySource(source) : source,
  )
  servers.push(server)
  return server
}

export async function closeFeedServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.close()))
}
