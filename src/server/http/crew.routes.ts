import { statSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import compression from 'compression'
import { Router, type NextFunction, type Request, type Response } from 'express'
import { crewContentSecurityPolicy } from '../../shared/csp.js'
import { builtAppFiles, redirectToSlash } from './built-app.js'
import { HttpError } from './errors.js'

/** Where a crew's phone finds its app on the embedded server. */
export const CREW_PATH = '/crew/'

/** The built crew app (`npm run build:crew` writes out/crew, a sibling of out/main and out/cli). */
export function defaultCrewDir(): string {
  return fileURLToPath(new URL('../crew', import.meta.url))
}

/** The file under `dir` that a GET of /crew/<path> names, if it exists ("/" is index.html). */
function builtFile(dir: string, path: string): string | null {
  let name: string
  try {
    name = decodeURIComponent(path)
  } catch {
    return null
  }
  const file = resolve(dir, `.${name === '/' ? '/index.html' : name}`)
  if (!file.startsWith(resolve(dir) + sep)) return null
  try {
    return statSync(file).isFile() ? file : null
  } catch {
    return null
  }
}

/**
 * GET /crew/: the crew's phone app, compressed (brotli or gzip, as the phone asks) and with long
 * caching for hashed files, under its own CSP. The crew API shares the /crew/ prefix
 * (/crew/pair, /crew/me, /crew/task, /crew/events ...): only a GET that names a built file is
 * answered here, so everything else, the event stream above all (compression would buffer it),
 * goes on to the API untouched.
 */
export function crewRoutes(dir: string | null): Router {
  const router = Router({ strict: true })
  redirectToSlash(router, CREW_PATH)
  if (dir === null) {
    router.get(CREW_PATH, (_req, _res, next) => {
      next(new HttpError(404, 'crew_app_not_built', 'the crew app is not built: run npm run build'))
    })
    return router
  }
  const compress = compression()
  const files = builtAppFiles(dir, crewContentSecurityPolicy)
  router.use(CREW_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next()
      return
    }
    if (builtFile(dir, req.path) === null) {
      if (req.path === '/' || req.path === '/index.html') {
        next(
          new HttpError(
            404,
            'crew_app_not_built',
            `the crew app is not built (no ${join(dir, 'index.html')}): run npm run build`,
          ),
        )
        return
      }
      next()
      return
    }
    compress(req, res, (error?: unknown) => {
      if (error) next(error)
      else files(req, res, next)
    })
  })
  return router
}
