import type { RunningSetting, SettingSource } from '../../../shared/settings'

const SOURCE_WORDS: Record<SettingSource, string> = {
  flag: 'command line',
  environment: 'environment',
  file: 'settings file',
  default: 'default',
}

/** `command line (--port)`, `environment (GBFS_URL)`, `settings file`, `default`. */
export function describeSource({ source, by }: Pick<RunningSetting, 'source' | 'by'>): string {
  if (source === 'flag' || source === 'environment') return `${SOURCE_WORDS[source]} (${by})`
  if (source === 'default' && by !== 'default') return `default: ${by}`
  return SOURCE_WORDS[source]
}

/**
 * What the server runs with now and where each value came from, beside (on the Settings page)
 * what is saved for the next start: a port given by --port, a feed by GBFS_URL, are not what the
 * settings file says, and the page must not pretend they are.
 */
export function RunningSettings({
  running,
  saved,
}: {
  running: RunningSetting[] | undefined
  /** What the settings file holds for each field, in words; absent: the column is not shown. */
  saved?: Partial<Record<string, string>>
}) {
  return (
    <section className="panel" aria-labelledby="running-title">
      <header className="panel-header">
        <h2 id="running-title">Running now</h2>
        <span className="panel-meta">
          Highest first: command line, environment, settings file, default
        </span>
      </header>
      {!running || running.length === 0 ? (
        <p className="muted running-none">
          This server does not say what it runs with (an older version, or not serving).
        </p>
      ) : (
        <div className="table-scroll">
          <table className="running-table">
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Running now</th>
                <th scope="col">From</th>
                {saved && <th scope="col">Saved for the next start</th>}
              </tr>
            </thead>
            <tbody>
              {running.map((row) => {
                const next = saved?.[row.field]
                const wins = row.source === 'flag' || row.source === 'environment'
                // Why what runs is not what is saved: a higher source, or a change since start.
                const hint =
                  next === undefined || next === row.value
                    ? null
                    : wins
                      ? `${describeSource(row)} wins`
                      : 'from the next start'
                return (
                  <tr key={row.field} data-field={row.field}>
                    <th scope="row">{row.label}</th>
                    <td>
                      <code>{row.value}</code>
                    </td>
                    <td className={row.source === 'default' ? 'muted' : undefined}>
                      {describeSource(row)}
                    </td>
                    {saved && (
                      <td>
                        {next === undefined ? (
                          <span className="muted">not on this page</span>
                        ) : (
                          <>
                            <code>{next}</code>
                            {hint && <span className="hint"> ({hint})</span>}
                          </>
                        )}
                      </td>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
