import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { expect } from 'vitest'

/** The phones the crew app is made for, and a van's position in San Francisco. */
export const PHONE = { width: 390, height: 844 }
export const SMALL = { width: 360, height: 640 }
export const VAN = { latitude: 37.7793, longitude: -122.4193 }

/** A phone's browser context: touch, a mobile viewport, and the van's position allowed. */
export function phoneContext(
  browser: Browser,
  geolocation: { latitude: number; longitude: number } = VAN,
): Promise<BrowserContext> {
  return browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
    geolocation,
    permissions: ['geolocation'],
  })
}

/**
 * Every visible control at least 44 px each way (a radio button's target is its whole label),
 * and nothing wider than the screen.
 */
export async function checkLayout(page: Page, name: string): Promise<void> {
  // A string: this file compiles without the DOM's types; the function runs in the page.
  const small = await page.evaluate<string[]>(`
    [...document.querySelectorAll(
      'button, a, input:not(.visually-hidden):not([type=radio]), textarea, label.choice',
    )]
      .map((element) => ({ element, box: element.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0)
      .filter(({ box }) => box.height < 44 || box.width < 44)
      .map(({ element, box }) =>
        (element.textContent.trim() || element.tagName) + ' ' +
        Math.round(box.width) + 'x' + Math.round(box.height))
  `)
  expect(small, `${name}: touch targets under 44 px`).toEqual([])
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - window.innerWidth',
  )
  expect(overflow, `${name}: wider than the screen`).toBeLessThanOrEqual(0)
}

/** The screen light and dark, at 390x844 and 360x640, into `dir`, after checking its layout. */
export async function shoot(page: Page, dir: string, name: string): Promise<void> {
  for (const size of [PHONE, SMALL]) {
    await page.setViewportSize(size)
    await checkLayout(page, `${name} at ${size.width}x${size.height}`)
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      await page.screenshot({
        path: join(dir, `crew-${name}-${size.width}x${size.height}-${colorScheme}.png`),
      })
    }
  }
  await page.setViewportSize(PHONE)
  await page.emulateMedia({ colorScheme: 'light' })
}

export const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true })

/** Resolves once the page's service worker controls it (the app then opens with no network). */
export function serviceWorkerReady(page: Page): Promise<unknown> {
  // A function, not a string: the page's CSP forbids the eval a string predicate needs.
  return page.waitForFunction(
    () =>
      (globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator
        .serviceWorker.controller !== null,
  )
}

/** A big, detailed PNG as a phone camera makes it (4000x3000), drawn by Chromium itself. */
export async function cameraPhoto(browser: Browser): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: 4000, height: 3000 } })
  await page.setContent(
    '<body style="margin:0;background:repeating-linear-gradient(45deg,#2a6,#2a6 7px,#fc3 7px,#fc3 13px,#36c 13px,#36c 21px)"></body>',
  )
  const shot = await page.screenshot()
  await page.close()
  return shot
}

/** The width and height in a JPEG's start-of-frame marker. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | null {
  let at = 2
  while (at < jpeg.length) {
    const marker = jpeg[at + 1] ?? 0
    const length = jpeg.readUInt16BE(at + 2)
    if (marker >= 0xc0 && marker <= 0xc2) {
      return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) }
    }
    at += 2 + length
  }
  return null
}
