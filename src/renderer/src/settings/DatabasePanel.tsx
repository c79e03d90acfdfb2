import type { DatabaseTest } from '../../../shared/settings'
import type { FormPart } from './SettingsRow'

function TestResult({ test }: { test: DatabaseTest }) {
  if (!test.ok) {
    return (
      <div className="notice notice-error test-result" role="status">
        <span>
          <strong>{test.location} did not answer:</strong> {test.detail}
        </span>
      </div>
    )
  }
  const migrations = test.migrations
  return (
    <div className="notice notice-ok test-result" role="status">
      <span>
        <strong>Connected</strong>
        {test.serverVersion && ` to PostgreSQL ${test.serverVersion}`} at {test.location}
        {migrations &&
          (migrations.current
            ? ` · schema current (${migrations.applied} of ${migrations.known} migrations)`
            : ` · ${migrations.pending.length} of ${migrations.known} migrations to apply at start`)}
        {test.detail && ` · ${test.detail}`}
      </span>
    </div>
  )
}

/** Where the database is: embedded or a server's URL, tested before it is saved. */
export function DatabasePanel({
  form,
  set,
  fieldError,
  readOnly,
  testing,
  onTest,
  test,
  databaseUrl,
}: FormPart & {
  readOnly: boolean
  testing: boolean
  onTest: () => void
  test: { url: string | null; result: DatabaseTest } | null
  databaseUrl: string | null
}) {
  return (
    <fieldset disabled={readOnly} className="panel">
      <header className="panel-header">
        <h2>Database</h2>
        <span className="panel-meta">Tested before it is saved</span>
      </header>
      <div className="settings-rows">
        <div className="settings-row">
          <span className="settings-label">Where</span>
          <div className="settings-value radio-row">
            <label>
              <input
                type="radio"
                name="database"
                checked={form.embedded}
                onChange={() => set({ embedded: true })}
              />{' '}
              Embedded PostgreSQL (in the data directory)
            </label>
            <label>
              <input
                type="radio"
                name="database"
                checked={!form.embedded}
                onChange={() => set({ embedded: false })}
              />{' '}
              A PostgreSQL server
            </label>
          </div>
        </div>
        {!form.embedded && (
          <label className="settings-row">
            <span className="settings-label">URL</span>
            <span className="settings-value">
              <input
                aria-label="Database URL"
                className="input-wide mono"
                value={form.databaseUrl}
                placeholder="postgres://balancer:password@db.depot.lan:5432/balancer"
                spellCheck={false}
                onChange={(event) => set({ databaseUrl: event.target.value })}
                {...fieldError('databaseUrl')}
              />
              <span className="hint">
                The password shows as ******** and is kept as saved unless you type a new one.
              </span>
            </span>
          </label>
        )}
        {!readOnly && (
          <div className="settings-row">
            <span className="settings-label" />
            <div className="settings-value">
              <button
                type="button"
                className="button button-quiet"
                disabled={testing}
                onClick={onTest}
              >
                {testing ? 'Testing…' : 'Test connection'}
              </button>
              {test && test.url === databaseUrl && <TestResult test={test.result} />}
            </div>
          </div>
        )}
      </div>
    </fieldset>
  )
}
