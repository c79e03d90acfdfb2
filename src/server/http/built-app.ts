import express, { type Response, type Router } from 'express'

/** Vite names assets by content hash: a changed file is a new URL, so they never go stale. */
const ASSET = /\/assets\/[^/]+-[\w-]{8,}\.\w+$/

/**
 * A built app's files (the console at /console/, the crew app at /crew/) under its own CSP.
 * Hashed assets are cached for a year; everything else (index.html, which names this build's
 * assets, and the crew app's sw.js, manifest and icons) keeps its name across builds and is asked
 * again every time (a 304 when unchanged), so a new build shows at once.
 */
export function builtAppFiles(dir: string, csp: () => string) {
  return express.static(dir, {
    index: 'index.html',
    redirect: false,
    setHeaders: (res: Response, path: string) => {
      res.setHeader('Content-Security-Policy', csp())
      res.setHeader(
        'Cache-Control',
        ASSET.test(path.replaceAll('\\', '/')) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
}

/** GET /console (or /crew) is sent on to /console/ with its query: the app's URLs are relative. */
export function redirectToSlash(router: Router, path: string): void {
  router.get(path.replace(/\/$/, ''), (req, res) => {
    const query = req.originalUrl.slice(req.path.length)
    res.redirect(301, `${path}${query}`)
  })
}
