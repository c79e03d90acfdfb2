import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.js'
import { startFakeCrewServer } from '../test/helpers/fake-crew-server.js'
import { median, ms, printTable } from './lib.js'

export const description =
  "the crew app's JS and CSS compressed (budget 150 kB) and its first screen in Chromium on a phone viewport, cold and from the service worker's cache"

/** Issue 15: the crew app's JavaScript and CSS at most 150 kB compressed. */
export const BUDGET_BYTES = 150 * 1024

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter((entry) => entry.isFile() && /\.(js|css)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`

/**
 * `npm run bench -- crew-bundle [--rounds N]` after `npm run build:crew`. Sizes: every .js and
 * .css in out/crew, raw, gzip -9 and brotli at the quality the server's compression middleware
 * uses (4) and at the highest (11). The page's own files (not the service worker, which loads
 * apart) count against the budget; over it the benchmark fails. First screen: out/crew served
 * by the server's own /crew/ route (crewRoutes: compression, caching) on 127.0.0.1, loaded in
 * Chromium at 390x844: until the pairing screen's heading is on screen, and first contentful
 * paint, median of N rounds, in a new browser context each (cold) and reloaded (warm: the
 * service worker's precache).
 */
export async function run(args: string[]): Promise<number> {
  const rounds = Number(args[args.indexOf('--rounds') + 1]) || 7
  const dir = resolve('out/crew')
  if (!existsSync(join(dir, 'index.html'))) {
    process.stderr.write('crew-bundle: no build in out/crew: run npm run build:crew first\n')
    return 2
  }
  const rows: string[][] = [['file', 'raw', 'gzip -9', 'brotli 4', 'brotli 11']]
  let pageBrotli4 = 0
  let pageGzip = 0
  let pageBrotli11 = 0
  for (const file of await files(dir)) {
    const bytes = await readFile(file)
    const gzip = gzipSync(bytes, { level: 9 }).length
    const brotli = (quality: number) =>
      brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: quality } }).length
    const name = relative(dir, file)
    const worker = name === 'sw.js' || name.startsWith('workbox-')
    if (!worker) {
      pageGzip += gzip
      pageBrotli4 += brotli(4)
      pageBrotli11 += brotli(11)
    }
    rows.push([
      `${name}${worker ? ' (worker)' : ''}`,
      kB(bytes.length),
      kB(gzip),
      kB(brotli(4)),
      kB(brotli(11)),
    ])
  }
  rows.push(['page JS + CSS', '', kB(pageGzip), kB(pageBrotli4), kB(pageBrotli11)])
  printTable(rows)
  const worst = Math.max(pageGzip, pageBrotli4)
  const within = worst <= BUDGET_BYTES
  process.stdout.write(
    `\nbudget ${kB(BUDGET_BYTES)} compressed: ${within ? 'within' : 'OVER'} (${kB(worst)} as served, the larger of gzip and brotli 4)\n`,
  )

  if (!existsSync(CHROMIUM)) {
    process.stdout.write(`\nfirst screen: skipped (no Chromium at ${CHROMIUM})\n`)
    return within ? 0 : 1
  }
  const server = await startFakeCrewServer(dir)
  const browser = await launchChromium()
  const cold: number[] = []
  const coldPaint: number[] = []
  const warm: number[] = []
  try {
    for (let round = 0; round < rounds; round++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
      const page = await context.newPage()
      const shown = async () => {
        await page.getByRole('heading', { name: 'Pair this phone' }).waitFor()
        return page.evaluate(() => ({
          shown: performance.now(),
          paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        }))
      }
      await page.goto(`${server.url}/crew/`)
      const first = await shown()
      cold.push(first.shown)
      coldPaint.push(first.paint)
      // A function, not a string: the page's CSP forbids the eval a string predicate needs.
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } })
            .navigator.serviceWorker.controller !== null,
      )
      await page.reload()
      warm.push((await shown()).shown)
      await context.close()
    }
  } finally {
    await browser.close()
    await server.close()
  }
  process.stdout.write('\nfirst screen (pairing), 390x844, server on 127.0.0.1, median of ')
  process.stdout.write(`${rounds}:\n`)
  printTable([
    ['load', 'heading on screen', 'first contentful paint', 'slowest'],
    ['cold (no cache)', ms(median(cold)), ms(median(coldPaint)), ms(Math.max(...cold))],
    ['warm (service worker)', ms(median(warm)), '', ms(Math.max(...warm))],
  ])
  return within ? 0 : 1
}
