import { useState } from 'react'
import { APP_NAME } from '../../../shared/version'
import { Logo } from '../shell/Logo'

/** A browser's way in: the token a dispatcher handed out (`balancer token create`). */
export function SignIn({
  message,
  checking,
  onSignIn,
}: {
  /** Why the last attempt (or the session) ended, in words. */
  message: string | null
  checking: boolean
  onSignIn: (token: string) => void
}) {
  const [token, setToken] = useState('')
  const submit = (event: { preventDefault(): void }) => {
    event.preventDefault()
    if (token.trim()) onSignIn(token.trim())
  }
  return (
    <div className="signin-page">
      <form className="signin" onSubmit={submit} aria-labelledby="signin-title">
        <div className="signin-brand">
          <Logo />
          <span>{APP_NAME}</span>
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p className="muted">
          Paste the API token a dispatcher gave you. Dispatchers can create one in the desktop
          console (Crews) or on the server with{' '}
          <code>balancer token create --role analyst --name "…"</code>.
        </p>
        <label className="field field-block">
          <span>Token</span>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="bwb_…"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            autoFocus
          />
        </label>
        {message && (
          <p className="signin-error" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="button button-block" disabled={checking || !token.trim()}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  )
}

/** Crew and engine tokens are for the dispatch API, not for this console. */
export function NotForThisRole({
  name,
  role,
  onSignOut,
}: {
  name: string
  role: string
  onSignOut?: () => void
}) {
  return (
    <div className="signin-page">
      <section className="signin" aria-labelledby="role-title">
        <div className="signin-brand">
          <Logo />
          <span>{APP_NAME}</span>
        </div>
        <h1 id="role-title">This console is for dispatchers and analysts</h1>
        <p className="muted">
          You are signed in as “{name}”, a {role} token. Crews claim and complete tasks from their
          devices through the dispatch API; ask a dispatcher for an analyst or dispatcher token to
          use the console.
        </p>
        {onSignOut && (
          <button type="button" className="button button-block" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </section>
    </div>
  )
}
