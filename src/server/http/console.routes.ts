import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import compression from 'compression'
import { Router } from 'express'
import { contentSecurityPolicy } from '../../shared/csp.js'
import { builtAppFiles, redirectToSlash } from './built-app.js'
import { HttpError } from './errors.js'

/** Where a browser finds the console on the embedded server. */
export const CONSOLE_PATH = '/console/'

/**
 * The built renderer (`electron-vite build` writes out/renderer). The server is bundled into
 * out/main (the desktop app) and out/cli (`balancer serve`), both siblings of out/renderer.
 */
export function defaultConsoleDir(): string {
  return fileURLToPath(new URL('../renderer', import.meta.url))
}

/**
 * GET /console/: the console for analysts and dispatchers in a browser on the depot LAN, the same
 * bundle as the desktop window, under the same Content-Security-Policy (connect-src 'self': it
 * talks only to this server). Its asset URLs are relative (Vite's base './'), so they resolve
 * under /console/ here and under file:// in Electron alike.
 */
export function consoleRoutes(dir: string | null): Router {
  // Strict: /console and /console/ are different paths here (the first is sent on to the second).
  const router = Router({ strict: true })
  const built = () => dir !== null && existsSync(join(dir, 'index.html'))

  redirectToSlash(router, CONSOLE_PATH)
  router.use(CONSOLE_PATH, (_req, _res, next) => {
    if (built()) {
      next()
      return
    }
    next(
      new HttpError(
        404,
        'console_not_built',
        `the console is not built${dir ? ` (no ${join(dir, 'index.html')})` : ''}: run npm run build`,
      ),
    )
  })
  if (dir !== null) {
    // Compressed as the browser asks (brotli or gzip): the console's JS is a third of its size
    // gzipped. Nothing under /console/ streams, so nothing is held back by it.
    router.use(CONSOLE_PATH, compression())
    router.use(CONSOLE_PATH, builtAppFiles(dir, contentSecurityPolicy))
  }
  return router
}
