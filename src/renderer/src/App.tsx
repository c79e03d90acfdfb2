import { APP_NAME, APP_VERSION } from '../../shared/version'
import type { ConsoleClient } from './api/client'
import { ConnectionPanel } from './status/ConnectionPanel'
import { useAppStatus } from './status/useAppStatus'

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" className="logo-tile" />
      <circle cx="10" cy="19" r="5" className="logo-wheel" />
      <circle cx="22" cy="19" r="5" className="logo-wheel" />
      <path d="M10 19 L15 11 L22 19 M13 11 H17" className="logo-frame" />
    </svg>
  )
}

type Tone = 'idle' | 'ok' | 'down'

function HeaderState({ tone, label }: { tone: Tone; label: string }) {
  return (
    <span className={`header-state header-state-${tone}`}>
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  )
}

export function App({ client }: { client: ConsoleClient }) {
  const { status, error, checking, retry } = useAppStatus(client)

  let body
  if (error) {
    body = (
      <section className="panel panel-error" role="alert">
        <header className="panel-header">
          <h2>Connection status unavailable</h2>
        </header>
        <p className="panel-text">The console could not ask the dispatch server how it is doing.</p>
        <p className="detail">{error}</p>
        <div className="actions">
          <button type="button" className="button" onClick={retry} disabled={checking}>
            {checking ? 'Retrying…' : 'Retry'}
          </button>
        </div>
      </section>
    )
  } else if (status) {
    body = <ConnectionPanel status={status} checking={checking} onRetry={retry} />
  } else {
    body = (
      <section className="panel panel-loading" aria-busy="true">
        <span className="spinner" aria-hidden="true" />
        <p>Checking the database connection…</p>
      </section>
    )
  }

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <Logo />
          <h1>{APP_NAME}</h1>
          <span className="version">v{APP_VERSION}</span>
        </div>
        {error ? (
          <HeaderState tone="down" label="Status unavailable" />
        ) : status ? (
          <HeaderState
            tone={status.database.reachable ? 'ok' : 'down'}
            label={status.database.reachable ? 'Database online' : 'Database offline'}
          />
        ) : (
          <HeaderState tone="idle" label="Checking…" />
        )}
      </header>
      <main className="content">
        <p className="section-title">System</p>
        {body}
      </main>
    </div>
  )
}
