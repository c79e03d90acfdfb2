import type { AppStatus } from '../../../shared/contract'
import { describeBackup, describeMode, formatCheckedAt } from './format'
import { Fact } from './Fact'

interface ConnectionPanelProps {
  status: AppStatus
  checking: boolean
  onRetry: () => void
}

/** The server never sends credentials; this keeps a mistake there from reaching the screen. */
function withoutCredentials(location: string): string {
  const at = location.lastIndexOf('@')
  return at === -1 ? location : location.slice(at + 1)
}

export function ConnectionPanel({ status, checking, onRetry }: ConnectionPanelProps) {
  const { database, apiUrl, checkedAt, logDir } = status
  const crewUrl = status.crew?.url ?? apiUrl
  const { reachable } = database
  const location = withoutCredentials(database.location)
  const unknown = <span className="muted">Unknown</span>

  return (
    <section className="panel" aria-labelledby="connection-title">
      <header className="panel-header">
        <h2 id="connection-title">Database connection</h2>
        <span className="panel-meta">Updates every 5 seconds</span>
      </header>

      <div className={reachable ? 'state state-ok' : 'state state-down'} role="status">
        <div className="state-row">
          <span className="dot" aria-hidden="true" />
          <div className="state-text">
            <p className="state-title">{reachable ? 'Connected' : 'Unreachable'}</p>
            <p className="state-summary">
              {reachable
                ? 'PostgreSQL is answering queries.'
                : 'The console cannot reach its database.'}
            </p>
          </div>
          {!reachable && (
            <button type="button" className="button" onClick={onRetry} disabled={checking}>
              {checking ? 'Retrying…' : 'Retry'}
            </button>
          )}
        </div>
        {!reachable && database.detail && <p className="detail">{database.detail}</p>}
      </div>

      <dl className="facts">
        <Fact label="Database">{describeMode(database.mode)}</Fact>
        <Fact label="Location">
          <code>{location}</code>
        </Fact>
        <Fact label="PostgreSQL version">
          {reachable && database.serverVersion ? database.serverVersion : unknown}
        </Fact>
        <Fact label="PostGIS">{reachable ? (database.postgis ? 'Yes' : 'No') : unknown}</Fact>
        <Fact label="API URL for crews">
          {/* Where a phone reaches the server (a LAN or VPN address), not this page's own. */}
          {crewUrl ? (
            <a href={crewUrl} target="_blank" rel="noreferrer">
              <code>{crewUrl}</code>
            </a>
          ) : (
            <span className="muted">Not serving</span>
          )}
        </Fact>
        {apiUrl && apiUrl !== crewUrl && (
          <Fact label="This console's address">
            <code>{apiUrl}</code>
          </Fact>
        )}
        {logDir && (
          <Fact label="Log files">
            <code>{logDir}</code>{' '}
            <span className="muted">(a file a day or per 10 MB, the last 14 kept)</span>
          </Fact>
        )}
        {status.lastBackup !== undefined && (
          <Fact label="Last backup">
            {status.lastBackup ? (
              <time dateTime={status.lastBackup.takenAt}>{describeBackup(status.lastBackup)}</time>
            ) : (
              <span className="muted">{describeBackup(null)}</span>
            )}
          </Fact>
        )}
        <Fact label="Checked at">
          <time dateTime={checkedAt} title={new Date(checkedAt).toLocaleString()}>
            {formatCheckedAt(checkedAt)}
          </time>
        </Fact>
      </dl>
    </section>
  )
}
