import { TextRow, type FormPart } from './SettingsRow'

/** The feeds polled, the API's address and port, the task lease: read when the console starts. */
export function FeedsPanel({ form, set, fieldError, readOnly }: FormPart & { readOnly: boolean }) {
  return (
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
              One gbfs.json URL a line; a system id after a space keeps its stations under that id.
            </span>
          </span>
        </label>
        <TextRow
          label="API address"
          value={form.host}
          onChange={(event) => set({ host: event.target.value })}
          {...fieldError('host')}
          hint="0.0.0.0 lets crews on the depot LAN reach it"
        />
        {(
          [
            ['port', 'API port', undefined],
            ['leaseMinutes', 'Task lease', 'minutes before an assigned task is flagged stale'],
          ] as const
        ).map(([field, label, hint]) => (
          <TextRow
            key={field}
            label={label}
            className="input-narrow"
            inputMode="numeric"
            value={form[field]}
            onChange={(event) => set({ [field]: event.target.value })}
            {...fieldError(field)}
            hint={hint}
          />
        ))}
      </div>
    </fieldset>
  )
}
