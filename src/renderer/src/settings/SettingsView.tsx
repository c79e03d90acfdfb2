import { useCallback, useState } from 'react'
import type {
  ConsoleSettings,
  DatabaseTest,
  SettingsField,
  SettingsInput,
  SettingsSaved,
} from '../../../shared/settings'
import { messageOf } from '../common/format'
import { Failure, Loading } from '../common/states'
import { useResource } from '../common/useResource'
import {
  turnOffBrowserNotifications,
  turnOnBrowserNotifications,
  useBrowserNotifyState,
  type BrowserNotifyState,
} from '../notifications/browser-notifications'
import type { ViewProps } from '../shell/view-props'

const FIELD_WORDS: Record<SettingsField, string> = {
  databaseUrl: 'the database',
  feeds: 'the feeds',
  host: 'the API address',
  port: 'the API port',
  leaseMinutes: 'the task lease',
  serviceHours: 'the service hours',
  notifications: 'notifications',
}

interface Form {
  embedded: boolean
  databaseUrl: string
  feeds: string
  host: string
  port: string
  leaseMinutes: string
  start: string
  end: string
  notifications: boolean
}

function formOf(settings: ConsoleSettings): Form {
  return {
    embedded: settings.databaseUrl === null,
    databaseUrl: settings.databaseUrl ?? '',
    feeds: settings.feeds
      .map((feed) => (feed.systemId ? `${feed.url} ${feed.systemId}` : feed.url))
      .join('\n'),
    host: settings.host,
    port: String(settings.port),
    leaseMinutes: String(settings.leaseMinutes),
    start: settings.serviceHours.start,
    end: settings.serviceHours.end,
    notifications: settings.notifications,
  }
}

/** What the page sends, or the first field that is not even a number, named as the file names it. */
export function inputOf(form: Form): SettingsInput | { field: string; message: string } {
  const whole = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : null)
  const port = whole(form.port)
  if (port === null) return { field: 'port', message: 'port: must be a whole number' }
  const leaseMinutes = whole(form.leaseMinutes)
  if (leaseMinutes === null) {
    return { field: 'leaseMinutes', message: 'leaseMinutes: must be a whole number of minutes' }
  }
  if (!form.embedded && form.databaseUrl.trim() === '') {
    return {
      field: 'databaseUrl',
      message: 'databaseUrl: give a postgres:// URL, or choose the embedded database',
    }
  }
  return {
    databaseUrl: form.embedded ? null : form.databaseUrl.trim(),
    feeds: form.feeds
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const [url = '', systemId] = line.split(/\s+/)
        return systemId ? { url, systemId } : { url }
      }),
    host: form.host,
    port,
    leaseMinutes,
    serviceHours: { start: form.start, end: form.end },
    notifications: form.notifications,
  }
}

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

const NOTIFY_WORDS: Record<BrowserNotifyState, string> = {
  unsupported: 'This browser cannot show notifications.',
  default: 'Off. The browser will ask whether this page may show notifications.',
  denied:
    'Blocked: this browser refuses notifications from this page. Allow them in the site settings (the icon left of the address), then turn them on here.',
  off: 'Off in this browser.',
  on: 'On: this browser shows them while the console is open in a tab.',
}

function BrowserNotifications() {
  const state = useBrowserNotifyState()
  const tone = state === 'on' ? 'ok' : state === 'denied' ? 'bad' : 'quiet'
  return (
    <div className="settings-row">
      <span className="settings-label">In this browser</span>
      <div className="settings-value">
        <div className="notify-state">
          <span className={`badge badge-${tone}`} data-testid="notify-state">
            {state === 'on' ? 'On' : state === 'denied' ? 'Blocked' : 'Off'}
          </span>
          <span>{NOTIFY_WORDS[state]}</span>
        </div>
        {(state === 'default' || state === 'off') && (
          <button
            type="button"
            className="button button-small"
            onClick={() => void turnOnBrowserNotifications()}
          >
            Turn on notifications
          </button>
        )}
        {state === 'on' && (
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={turnOffBrowserNotifications}
          >
            Turn off
          </button>
        )}
      </div>
    </div>
  )
}

/**
 * The settings file of the console's server. The desktop app edits it (a database is tested before
 * it is saved; a password is never shown back); a browser reads it and says where it is changed.
 */
export function SettingsView({
  client,
  desktop = typeof window !== 'undefined' && window.balancer !== undefined,
}: ViewProps & { desktop?: boolean }) {
  const load = useCallback(() => client.invoke('settings:get'), [client])
  const settings = useResource(client, load)
  // The page's edits; none yet: what the file says.
  const [draft, setForm] = useState<Form | null>(null)
  const form = draft ?? (settings.data ? formOf(settings.data) : null)
  const [test, setTest] = useState<{ url: string | null; result: DatabaseTest } | null>(null)
  const [testing, setTesting] = useState(false)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null)
  const [saved, setSaved] = useState<SettingsSaved | null>(null)

  if (settings.error && !settings.data) {
    return (
      <section className="view view-narrow">
        <header className="view-header">
          <h1>Settings</h1>
        </header>
        <Failure title="Settings unavailable" detail={settings.error} onRetry={settings.reload} />
      </section>
    )
  }
  if (!settings.data || !form) {
    return (
      <section className="view view-narrow">
        <header className="view-header">
          <h1>Settings</h1>
        </header>
        <Loading what="the settings" />
      </section>
    )
  }

  const original = formOf(settings.data)
  const readOnly = !desktop
  const databaseUrl = form.embedded ? null : form.databaseUrl.trim()
  const databaseChanged =
    form.embedded !== original.embedded ||
    (!form.embedded && form.databaseUrl.trim() !== original.databaseUrl)
  const tested = test !== null && test.url === databaseUrl && test.result.ok
  const set = (change: Partial<Form>) => {
    setForm({ ...form, ...change })
    setSaved(null)
  }
  const fieldError = (field: string) =>
    error?.field === field ? { 'aria-invalid': true as const } : {}

  const runTest = () => {
    setTesting(true)
    setError(null)
    client
      .invoke('settings:testDatabase', { databaseUrl })
      .then(
        (result) => setTest({ url: databaseUrl, result }),
        (failure: unknown) => setError({ field: 'databaseUrl', message: messageOf(failure) }),
      )
      .finally(() => setTesting(false))
  }

  const save = (event: { preventDefault(): void }) => {
    event.preventDefault()
    const input = inputOf(form)
    if ('message' in input) {
      setError(input)
      return
    }
    setSaving(true)
    setError(null)
    client
      .invoke('settings:save', input)
      .then(
        (answer) => {
          setSaved(answer)
          setForm(formOf(answer.settings))
          settings.reload()
        },
        (failure: unknown) => {
          const message = messageOf(failure)
          // The service names the field first ("port: must be ..."); point at it.
          const field = /^([a-zA-Z]+)[.:]/.exec(message)?.[1] ?? null
          setError({ field, message })
        },
      )
      .finally(() => setSaving(false))
  }

  return (
    <section className="view view-narrow">
      <header className="view-header">
        <h1>Settings</h1>
        <span className="view-meta">
          <code>{settings.data.settingsFile}</code>
        </span>
      </header>
      {readOnly && (
        <div className="notice notice-info" role="note">
          Read-only in a browser: these are the server’s settings. Change them in the desktop app on
          the server, or in its settings.json.
        </div>
      )}
      {settings.data.overridden.length > 0 && (
        <div className="notice notice-warn" role="note">
          On this console{' '}
          {settings.data.overridden
            .map((o) => `${FIELD_WORDS[o.field]} is set by ${o.by}`)
            .join('; ')}
          : that wins over what is saved here.
        </div>
      )}

      <form onSubmit={save} aria-label="Settings" className="settings-form">
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
                    onClick={runTest}
                  >
                    {testing ? 'Testing…' : 'Test connection'}
                  </button>
                  {test && test.url === databaseUrl && <TestResult test={test.result} />}
                </div>
              </div>
            )}
          </div>
        </fieldset>

        <fieldset disabled={readOnly} className="panel">
          <header className="panel-header">
            <h2>Feeds and API</h2>
            <span className="panel-meta">Take effect when the console starts again</span>
          </header>
          <div className="settings-rows">
            <label className="settings-row">
              <span className="settings-label">GBFS feeds</span>
              <span className="settings-value">
                <textarea
                  aria-label="GBFS feeds"
                  className="input-wide mono"
                  rows={Math.max(2, form.feeds.split('\n').length)}
                  value={form.feeds}
                  spellCheck={false}
                  onChange={(event) => set({ feeds: event.target.value })}
                  {...fieldError('feeds')}
                />
                <span className="hint">
                  One gbfs.json URL a line; a system id after a space keeps its stations under that
                  id.
                </span>
              </span>
            </label>
            <label className="settings-row">
              <span className="settings-label">API address</span>
              <span className="settings-value">
                <input
                  aria-label="API address"
                  value={form.host}
                  onChange={(event) => set({ host: event.target.value })}
                  {...fieldError('host')}
                />
                <span className="hint">0.0.0.0 lets crews on the depot LAN reach it</span>
              </span>
            </label>
            <label className="settings-row">
              <span className="settings-label">API port</span>
              <span className="settings-value">
                <input
                  aria-label="API port"
                  className="input-narrow"
                  inputMode="numeric"
                  value={form.port}
                  onChange={(event) => set({ port: event.target.value })}
                  {...fieldError('port')}
                />
              </span>
            </label>
            <label className="settings-row">
              <span className="settings-label">Task lease</span>
              <span className="settings-value">
                <input
                  aria-label="Task lease"
                  className="input-narrow"
                  inputMode="numeric"
                  value={form.leaseMinutes}
                  onChange={(event) => set({ leaseMinutes: event.target.value })}
                  {...fieldError('leaseMinutes')}
                />
                <span className="hint">minutes before an assigned task is flagged stale</span>
              </span>
            </label>
          </div>
        </fieldset>

        <section className="panel" aria-labelledby="notify-title">
          <header className="panel-header">
            <h2 id="notify-title">Notifications</h2>
            <span className="panel-meta">
              A station becoming empty or full, in service hours; a task past its lease
            </span>
          </header>
          <div className="settings-rows">
            <fieldset disabled={readOnly} className="settings-row plain">
              <span className="settings-label">Service hours</span>
              <span className="settings-value inline">
                <input
                  type="time"
                  aria-label="Service hours start"
                  value={form.start}
                  onChange={(event) => set({ start: event.target.value })}
                  {...fieldError('serviceHours')}
                />
                <span>to</span>
                <input
                  type="time"
                  aria-label="Service hours end"
                  value={form.end}
                  onChange={(event) => set({ end: event.target.value })}
                  {...fieldError('serviceHours')}
                />
                <span className="hint">on the system’s clock</span>
              </span>
            </fieldset>
            {desktop ? (
              <label className="settings-row">
                <span className="settings-label">Desktop</span>
                <span className="settings-value inline">
                  <input
                    type="checkbox"
                    aria-label="Show desktop notifications"
                    checked={form.notifications}
                    onChange={(event) => set({ notifications: event.target.checked })}
                  />
                  <span>Show desktop notifications from this app</span>
                </span>
              </label>
            ) : (
              <BrowserNotifications />
            )}
          </div>
        </section>

        {error && (
          <div className="notice notice-error" role="alert">
            <span>{error.message}</span>
          </div>
        )}
        {saved && (
          <div className="notice notice-ok" role="status">
            <span>
              Saved to {saved.settings.settingsFile}.
              {saved.restartNeeded.length > 0
                ? ` Restart the console for the ${saved.restartNeeded.join(', ')} to take effect.`
                : ' In effect now.'}
            </span>
          </div>
        )}
        {!readOnly && (
          <div className="form-actions">
            <button
              type="submit"
              className="button"
              disabled={saving || (databaseChanged && !tested)}
            >
              {saving ? 'Saving…' : 'Save settings'}
            </button>
            {databaseChanged && !tested && (
              <span className="hint">Test the new database before saving it.</span>
            )}
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setForm(original)
                setError(null)
                setTest(null)
              }}
            >
              Undo changes
            </button>
          </div>
        )}
      </form>
    </section>
  )
}
