/**
 * The console's Content-Security-Policy, sent by the Electron main process for the window and by
 * the embedded server for the console it serves to browsers at /console/. Everything the page loads ships inside the app: no
 * fonts, scripts or styles from the network, no inline code, no frames, no forms. The renderer's
 * index.html carries the same policy in a meta tag, which is what applies to a page loaded from
 * file:// (there are no response headers there); frame-ancestors only works as a header.
 * The station map's street tiles come through the console's own server (`map:tileData`, as data:
 * URLs; it keeps them on disk for offline depots), so the page reaches no other host at all.
 */

const BASE: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
}

function serialize(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ')
}

/**
 * `devServerUrl` is electron-vite's dev server (ELECTRON_RENDERER_URL). It needs only its hot
 * reload websocket beyond the production policy: the stylesheet is a <link> and the React
 * refresh preamble is imported as a module, so neither needs 'unsafe-inline'.
 */
export function contentSecurityPolicy(devServerUrl: string | null = null): string {
  if (!devServerUrl) return serialize(BASE)
  const server = new URL(devServerUrl)
  const socket = `${server.protocol === 'https:' ? 'wss' : 'ws'}://${server.host}`
  return serialize({ ...BASE, 'connect-src': [...(BASE['connect-src'] ?? []), socket] })
}

/** The policy as the meta tag states it: browsers ignore frame-ancestors there, with a warning. */
export function metaContentSecurityPolicy(): string {
  return serialize(
    Object.fromEntries(Object.entries(BASE).filter(([name]) => name !== 'frame-ancestors')),
  )
}

/**
 * The crew app's policy (/crew/ on the embedded server): the console's (the phone hands
 * navigation to its own maps app), plus `blob:` images for the preview of a photo
 * taken for a problem report. It talks only to this server (connect-src 'self'); its service
 * worker and manifest are its own files (worker-src and manifest-src fall back to 'self').
 * Geolocation and the camera are browser permissions, not CSP: the page asks the person.
 */
export function crewContentSecurityPolicy(): string {
  return serialize({ ...BASE, 'img-src': ["'self'", 'data:', 'blob:'] })
}
