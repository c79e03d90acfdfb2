import type { Session, WebContents } from 'electron'

/** Whether a URL is the console's own page: its file in a build, its dev server's origin in dev. */
export function appUrlMatcher(entry: string): (url: string) => boolean {
  const app = new URL(entry)
  return (url) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return false
    }
    if (app.protocol === 'file:') {
      return parsed.protocol === 'file:' && parsed.pathname === app.pathname
    }
    return parsed.origin === app.origin
  }
}

/** Only web pages go to the system browser: never file:, smb: or a custom scheme handler. */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

/**
 * The console never opens windows of its own, never leaves its page and never embeds webviews;
 * a link to a web page (the API URL, later a station's map) opens in the system browser.
 */
export function hardenWebContents(
  contents: WebContents,
  isAppUrl: (url: string) => boolean,
  openExternal: (url: string) => Promise<void>,
): void {
  const openOutside = (url: string) => {
    if (isWebUrl(url)) void openExternal(url)
  }
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return
    event.preventDefault()
    openOutside(event.url)
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/** Camera, microphone, notifications, geolocation...: the console asks for none of them. */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

/** Sets the policy on every response, replacing whatever a dev server may have sent. */
export function enforceContentSecurityPolicy(session: Session, policy: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    )
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [policy] } })
  })
}
