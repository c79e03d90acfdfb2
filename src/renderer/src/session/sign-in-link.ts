/** The fragment `serve`'s sign-in link carries the code in (src/server/auth/sign-in-link.ts). */
const SIGN_IN = /^#sign-in=([A-Za-z0-9_-]{16,64})$/

/**
 * The one-time code of a sign-in link (`/console/#sign-in=<code>`), or null. The address bar
 * then shows the console's own address: a used code is not left in the history to be copied.
 */
export function takeSignInCode(win: Pick<Window, 'location' | 'history'>): string | null {
  const match = SIGN_IN.exec(win.location.hash)
  if (!match?.[1]) return null
  win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}`)
  return match[1]
}
