import { Fragment } from 'react'
import {
  turnOffBrowserNotifications,
  turnOnBrowserNotifications,
  useBrowserNotifyState,
  type BrowserNotifyState,
} from '../notifications/browser-notifications'
import type { FormPart } from './SettingsRow'

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

/** When notifications may come, and whether this desktop or browser shows them. */
export function NotificationsPanel({
  form,
  set,
  fieldError,
  readOnly,
  desktop,
}: FormPart & { readOnly: boolean; desktop: boolean }) {
  return (
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
            {(['start', 'end'] as const).map((end, index) => (
              <Fragment key={end}>
                {index > 0 && <span>to</span>}
                <input
                  type="time"
                  aria-label={`Service hours ${end}`}
                  value={form[end]}
                  onChange={(event) => set({ [end]: event.target.value })}
                  {...fieldError('serviceHours')}
                />
              </Fragment>
            ))}
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
  )
}
