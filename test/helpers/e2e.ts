import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Page, ViewportSize } from 'playwright-core'
import type { StationLive } from '../../src/shared/feeds.js'
import { cliEnv, processesMentioning, type RunningServe } from './cli.js'
import { scratchDatabase, type ScratchDatabase } from './scratch-database.js'

const run = promisify(execFile)

/** Where end-to-end tests save the screenshots people look at. */
export const SCREENSHOTS = resolve('test-results/screenshots')

/** A new temporary folder that the embedded PostgreSQL's own user may enter. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  await chmod(dir, 0o755)
  return dir
}

export interface Workspace {
  dir: string
  database: ScratchDatabase
  /** The environment of a `balancer` process on this database, its data in `dir`/data. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv
  /** Drops the database, kills what still runs from `dir`, and removes it. */
  remove(): Promise<void>
}

/** A temporary folder (named from `prefix`) with a scratch database, for `balancer` processes. */
export async function workspace(prefix: string): Promise<Workspace> {
  const dir = await tempDir(prefix)
  const database = await scratchDatabase(dir).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true })
    throw error
  })
  return {
    dir,
    database,
    env: (extra = {}) =>
      cliEnv({ DATABASE_URL: database.url, BALANCER_DATA_DIR: join(dir, 'data'), ...extra }),
    remove: async () => {
      await database.drop()
      for (const pid of await processesMentioning(dir)) process.kill(pid, 'SIGKILL')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A new API token from `balancer token create --role <role> --name <name>`. */
export async function createToken(
  env: NodeJS.ProcessEnv,
  role: string,
  name: string,
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['bin/balancer.mjs', 'token', 'create', '--role', role, '--name', name],
    { env },
  )
  return stdout.trim()
}

/** The dispatcher token `balancer serve --demo` prints for the console. */
export function demoDispatcherToken(serve: RunningServe): string {
  return /Dispatcher token \(Demo dispatcher\): (bwb_\S+)/.exec(serve.stdout)?.[1] ?? ''
}

/** One HTTP API call to `server` with a bearer token; a JSON answer, or an error naming the status. */
export async function api<T = unknown>(
  server: RunningServe,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return JSON.parse(text) as T
}

/** GET /feeds/stations every 200 ms, at most `tries` times, until `count` have numbers. */
export async function stationsWithNumbers(
  server: RunningServe,
  token: string,
  count: number,
  tries: number,
): Promise<StationLive[]> {
  let stations: StationLive[] = []
  for (let i = 0; i < tries && stations.filter((s) => s.bikes !== null).length < count; i++) {
    stations = await api<StationLive[]>(server, 'GET', '/feeds/stations', token)
    await new Promise((done) => setTimeout(done, 200))
  }
  return stations
}

/**
 * A move the live numbers allow (approval checks them): from the station with the most bikes to
 * another with the most free docks; undefined ends when the feed brought no numbers.
 */
export function roomyMove(stations: readonly StationLive[]): {
  from: StationLive | undefined
  to: StationLive | undefined
} {
  const live = stations.filter((s) => s.bikes !== null && s.docks !== null)
  const from = [...live].sort((a, b) => (b.bikes ?? 0) - (a.bikes ?? 0))[0]
  const to = [...live].filter((s) => s !== from).sort((a, b) => (b.docks ?? 0) - (a.docks ?? 0))[0]
  return { from, to }
}

/** A page in a new context of `browser`: `viewport`, US English, San Francisco's time zone. */
export async function newPage(
  browser: Browser | undefined,
  viewport: ViewportSize,
  options: { timezoneId?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<Page> {
  if (!browser) throw new Error('Chromium did not start')
  const context = await browser.newContext({
    viewport,
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles',
    ...options,
  })
  return context.newPage()
}

/** What `page` does from now: console errors (and warnings if asked), exceptions, URLs asked for. */
export function watchPage(
  page: Page,
  { warnings = false } = {},
): { problems: string[]; requests: string[] } {
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || (warnings && message.type() === 'warning'))
      problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  page.on('request', (request) => requests.push(request.url()))
  return { problems, requests }
}

/** `page` light and dark into SCREENSHOTS/console-<name>-<scheme>.png, `settleMs` after each switch. */
export async function screenshots(page: Page, name: string, settleMs = 0): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    if (settleMs > 0) await page.waitForTimeout(settleMs)
    await page.screenshot({ path: join(SCREENSHOTS, `console-${name}-${colorScheme}.png`) })
  }
  await page.emulateMedia({ colorScheme: 'light' })
}
