import { Dialog } from '../common/Dialog'
import type { ViewInfo } from './routes'
import {
  globalShortcuts,
  REPORT_SHORTCUTS,
  SERVICE_SHORTCUTS,
  STATION_SHORTCUTS,
  SUGGESTION_SHORTCUTS,
  TASK_SHORTCUTS,
  type Shortcut,
} from './shortcuts'

/** `?` opens the help and closes it again. */
const HELP_CLOSE_KEYS = ['Escape', '?']

function Group({ title, shortcuts }: { title: string; shortcuts: Shortcut[] }) {
  return (
    <section className="help-group">
      <h3>{title}</h3>
      <dl>
        {shortcuts.map((shortcut) => (
          <div key={shortcut.keys + shortcut.what} className="help-row">
            <dt>
              {shortcut.keys.split(' ').map((key, i, all) =>
                // In "j / k" and "1 – 5" the middle is a separator, not a key.
                all.length === 3 && i === 1 ? (
                  <span key={i}> {key} </span>
                ) : (
                  <kbd key={i}>{key}</kbd>
                ),
              )}
            </dt>
            <dd>{shortcut.what}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

/** Every keyboard shortcut, so nobody needs a manual. */
export function HelpOverlay({
  views,
  onClose,
}: {
  views: readonly ViewInfo[]
  onClose: () => void
}) {
  return (
    <Dialog
      id="help"
      className="help"
      title="Keyboard shortcuts"
      closeKeys={HELP_CLOSE_KEYS}
      closeClassName="button button-quiet"
      onClose={onClose}
    >
      <div className="help-groups">
        <Group title="Anywhere" shortcuts={globalShortcuts(views)} />
        <Group title="Stations" shortcuts={STATION_SHORTCUTS} />
        {views.some((view) => view.id === 'service') && (
          <>
            <Group title="Service" shortcuts={SERVICE_SHORTCUTS} />
            <Group title="Daily report" shortcuts={REPORT_SHORTCUTS} />
          </>
        )}
        <Group title="Suggestions" shortcuts={SUGGESTION_SHORTCUTS} />
        <Group title="Tasks" shortcuts={TASK_SHORTCUTS} />
      </div>
    </Dialog>
  )
}
