import { useCallback, useEffect, useRef, useState } from 'react'
import type { CreatedToken, Session } from '../../shared/dispatch'
import { ApiError, type ConsoleClient } from './api/client'
import { messageOf } from './common/format'
import { Failure } from './common/states'
import { CONSOLE_ROLES } from './session/roles'
import { NotForThisRole, SignIn } from './session/SignIn'
import type { TokenStore } from './session/token-store'
import { Shell } from './shell/Shell'

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out'; message: string | null }
  | { kind: 'failed'; detail: string }
  | { kind: 'ready'; session: Session }

const REFUSED =
  'That token is unknown or has been revoked. Check it was copied whole, or ask a dispatcher for a new one.'

/**
 * The console: who is using it decides what it shows. In the desktop app (no token store) the
 * window is the depot's own dispatcher; in a browser the token signs in, and its role decides.
 */
export function App({
  client,
  tokens = null,
  signInCode = null,
}: {
  client: ConsoleClient
  tokens?: TokenStore | null
  /** The one-time code of the sign-in link `serve` printed (./session/sign-in-link.ts). */
  signInCode?: string | null
}) {
  const [state, setState] = useState<State>(() =>
    tokens && !tokens.get() && !signInCode
      ? { kind: 'signed-out', message: null }
      : { kind: 'checking' },
  )
  const latest = useRef(0)
  const redemption = useRef<Promise<CreatedToken> | null>(null)
  const current = useRef(state)
  useEffect(() => {
    current.current = state
  })

  /** Asks who the token (or the desktop window) is; the answer decides the state. */
  const ask = useCallback(() => {
    const attempt = ++latest.current
    client.invoke('session:me').then(
      (session) => {
        if (attempt === latest.current) setState({ kind: 'ready', session })
      },
      (error: unknown) => {
        if (attempt !== latest.current) return
        if (tokens && error instanceof ApiError && error.status === 401) {
          tokens.clear()
          setState({ kind: 'signed-out', message: REFUSED })
        } else {
          setState({ kind: 'failed', detail: messageOf(error) })
        }
      },
    )
  }, [client, tokens])

  const check = () => {
    setState({ kind: 'checking' })
    ask()
  }

  useEffect(() => {
    if (tokens && signInCode) {
      // The link's code becomes the first dispatcher's token, kept as a pasted one is.
      const attempt = ++latest.current
      // Once per code, even when React runs this effect twice (StrictMode): it works only once.
      redemption.current ??= client.invoke('session:signIn', { code: signInCode })
      redemption.current.then(
        ({ token }) => {
          if (attempt !== latest.current) return
          tokens.set(token)
          ask()
        },
        (error: unknown) => {
          if (attempt === latest.current)
            setState({ kind: 'signed-out', message: messageOf(error) })
        },
      )
      return
    }
    if (!tokens || tokens.get()) ask()
  }, [ask, tokens, client, signInCode])

  useEffect(
    () =>
      tokens?.onReject(() => {
        // A refusal while signing in is that attempt's own answer (see check).
        if (current.current.kind !== 'ready') return
        tokens.clear()
        latest.current += 1
        setState({
          kind: 'signed-out',
          message: 'You were signed out: the server no longer accepts your token (revoked?).',
        })
      }),
    [tokens],
  )

  const signIn = (token: string) => {
    tokens?.set(token)
    check()
  }
  const signOut = tokens
    ? () => {
        tokens.clear()
        latest.current += 1
        setState({ kind: 'signed-out', message: null })
      }
    : undefined

  switch (state.kind) {
    case 'signed-out':
      return <SignIn message={state.message} checking={false} onSignIn={signIn} />
    case 'checking':
      return tokens ? (
        <SignIn message={null} checking onSignIn={signIn} />
      ) : (
        <div className="boot" aria-busy="true">
          <span className="spinner" aria-hidden="true" />
          Starting the console…
        </div>
      )
    case 'failed':
      return (
        <div className="boot">
          <Failure
            title="The console cannot reach its dispatch server"
            detail={state.detail}
            onRetry={check}
          />
        </div>
      )
    case 'ready':
      if (!CONSOLE_ROLES.includes(state.session.role)) {
        return (
          <NotForThisRole name={state.session.name} role={state.session.role} onSignOut={signOut} />
        )
      }
      return <Shell client={client} session={state.session} onSignOut={signOut} />
  }
}
