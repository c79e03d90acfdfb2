import { useCallback, useState } from 'react'
import type { DatabaseTest, SettingsField, SettingsSaved } from '../../../shared/settings'
import { messageOf } from '../common/format'
import { Failure, Loading } from '../common/states'
import { useResource } from '../common/useResource'
import type { ViewProps } from '../shell/view-props'
import { DatabasePanel } from './DatabasePanel'
import { FeedsPanel } from './FeedsPanel'
import { NotificationsPanel } from './NotificationsPanel'
import { RunningSettings } from '../status/RunningSettings'
import { formOf, inputOf, savedInWords, type Form } from './settings-form'

const FIELD_WORDS: Record<SettingsField, string> = {
  databaseUrl: 'the database',
  feeds: 'the feeds',
  host: 'the API address',
  port: 'the API port',
  leaseMinutes: 'the task lease',
  serviceHours: 'the service hours',
  notifications: 'notifications',
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

  // What each panel of the form is given.
  const part = { form, set, fieldError, readOnly }

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

      <RunningSettings running={settings.data.running} saved={savedInWords(settings.data)} />

      <form onSubmit={save} aria-label="Settings" className="settings-form">
        <DatabasePanel
          {...part}
          testing={testing}
          onTest={runTest}
          test={test}
          databaseUrl={databaseUrl}
        />
        <FeedsPanel {...part} />
        <NotificationsPanel {...part} desktop={desktop} />

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
