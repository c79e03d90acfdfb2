import { useCallback, useEffect, useRef, useState } from 'react'
import { TextField } from '../common/TextField'
import {
  STATION_KEYS,
  type StationKey,
  type TripImportOptions,
  type TripImportProgress,
  type TripImportReport,
} from '../../../shared/trips'
import { messageOf } from '../common/format'
import { Empty } from '../common/states'
import { useResource } from '../common/useResource'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { OutcomePanel } from './OutcomePanel'
import { QuarantineList } from './Quarantine'
import { ProgressPanel } from './ProgressPanel'
import { count } from './trip-format'

const KEY_LABELS: Record<StationKey, string> = {
  station_id: 'station_id (GBFS id)',
  short_name: 'short_name (Lyft files since 2020)',
  legacy_id: 'legacy_id (older files)',
  external_id: 'external_id',
}

/**
 * Lyft trip files into the database: a native dialog in the desktop app, an upload from a browser;
 * progress while a file is read, then per file what was imported, matched and rejected.
 */
export function TripImportView({
  client,
  session,
  desktop = typeof window !== 'undefined' && window.balancer !== undefined,
}: ViewProps & { desktop?: boolean }) {
  const loadFeeds = useCallback(() => client.invoke('feeds:health'), [client])
  const feeds = useResource(client, loadFeeds)
  const loadQuarantined = useCallback(() => client.invoke('trips:quarantined', {}), [client])
  const quarantined = useResource(client, loadQuarantined)
  const systems = [
    ...new Set((feeds.data?.feeds ?? []).flatMap((feed) => (feed.systemId ? [feed.systemId] : []))),
  ]
  const [systemId, setSystemId] = useState('')
  const [timeZone, setTimeZone] = useState('')
  const [stationKey, setStationKey] = useState<StationKey | ''>('')
  const [maxRejected, setMaxRejected] = useState('')
  const [working, setWorking] = useState(false)
  const [progress, setProgress] = useState<TripImportProgress | null>(null)
  const [report, setReport] = useState<TripImportReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const fileInput = useRef<HTMLInputElement>(null)

  useEffect(() => client.on('trips:import-progress', setProgress), [client])

  const options = (): TripImportOptions => ({
    ...(systemId.trim() ? { systemId: systemId.trim() } : {}),
    ...(timeZone.trim() ? { timeZone: timeZone.trim() } : {}),
    ...(stationKey ? { stationKey } : {}),
    ...(maxRejected.trim() ? { maxRejected: maxRejected.trim() } : {}),
  })

  const run = async (work: () => Promise<TripImportReport | null>) => {
    setWorking(true)
    setError(null)
    setReport(null)
    setProgress(null)
    try {
      const done = await work()
      if (done) setReport(done)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setWorking(false)
      setProgress(null)
      quarantined.reload()
    }
  }

  const chooseOnDesktop = () =>
    run(async () => {
      const { paths } = await client.invoke('trips:chooseFiles')
      if (paths.length === 0) return null
      return client.invoke('trips:import', { paths, ...options() })
    })

  const upload = (files: File[]) =>
    run(async () => {
      let combined: TripImportReport | null = null
      // One file at a time: each is one transaction and one progress bar.
      for (const file of files) {
        const one = await client.invoke('trips:upload', { file, fileName: file.name, ...options() })
        combined = combined ? { ...one, outcomes: [...combined.outcomes, ...one.outcomes] } : one
        setReport(combined)
      }
      return combined
    })

  const outcomes = report?.outcomes ?? []
  const totals = outcomes.reduce(
    (sum, outcome) =>
      outcome.status === 'imported'
        ? {
            ...sum,
            rows: sum.rows + outcome.rowsImported,
            rejected: sum.rejected + outcome.rowsRejected,
          }
        : outcome.status === 'quarantined'
          ? { ...sum, kept: sum.kept + 1 }
          : sum,
    { rows: 0, rejected: 0, kept: 0 },
  )
  const shown = new Set(
    outcomes.flatMap((outcome) => (outcome.status === 'quarantined' ? [outcome.importId] : [])),
  )
  const waiting = (quarantined.data ?? []).filter((kept) => !shown.has(kept.importId))

  return (
    <section className="view">
      <header className="view-header">
        <h1>Trip import</h1>
        <span className="view-meta">
          Lyft monthly trip files (.csv, .csv.gz or .zip) into station flows
        </span>
      </header>

      <section className="panel" aria-labelledby="import-options-title">
        <header className="panel-header">
          <h2 id="import-options-title">Files</h2>
          <span className="panel-meta">
            {desktop
              ? 'Read from this computer’s disk'
              : 'Uploaded to the dispatch server, one file at a time'}
          </span>
        </header>
        <div className="panel-body import-form">
          <label className="field">
            <span>System</span>
            <input
              list="import-systems"
              value={systemId}
              placeholder={systems.length === 1 ? systems[0] : 'the only one'}
              onChange={(event) => setSystemId(event.target.value)}
            />
            <datalist id="import-systems">
              {systems.map((system) => (
                <option key={system} value={system} />
              ))}
            </datalist>
          </label>
          <TextField
            label="Time zone"
            value={timeZone}
            placeholder="the system’s"
            onChange={setTimeZone}
          />
          <label className="field">
            <span>Match stations by</span>
            <select
              value={stationKey}
              onChange={(event) => setStationKey(event.target.value as StationKey | '')}
            >
              <option value="">the column that matches most</option>
              {STATION_KEYS.map((key) => (
                <option key={key} value={key}>
                  {KEY_LABELS[key]}
                </option>
              ))}
            </select>
          </label>
          <TextField
            label="Rejects allowed"
            value={maxRejected}
            placeholder="1 %"
            onChange={setMaxRejected}
            narrow
          />
          {desktop ? (
            <button
              type="button"
              className="button"
              disabled={working}
              onClick={() => void chooseOnDesktop()}
            >
              {working ? 'Importing…' : 'Choose files…'}
            </button>
          ) : (
            <>
              <input
                ref={fileInput}
                type="file"
                multiple
                accept=".csv,.gz,.zip"
                className="visually-hidden"
                aria-label="Trip files"
                onChange={(event) => {
                  const files = [...(event.target.files ?? [])]
                  event.target.value = ''
                  if (files.length > 0) void upload(files)
                }}
              />
              <button
                type="button"
                className="button"
                disabled={working}
                onClick={() => fileInput.current?.click()}
              >
                {working ? 'Importing…' : 'Choose files…'}
              </button>
            </>
          )}
        </div>
        <p className="panel-text panel-text-last hint">
          One file is one transaction: a failed or cut-off file leaves nothing behind, and a file
          imported before is recognised and skipped. Rows that cannot be read are rejected and
          listed; more than the allowed share and the file is refused.
        </p>
      </section>

      {progress && working && <ProgressPanel progress={progress} />}

      <QuarantineList client={client} imports={waiting} canDecide={canDispatch(session)} />

      {error && (
        <div className="state-box state-box-error" role="alert">
          <div className="state-box-text">
            <strong>The import did not run</strong>
            <span className="state-box-detail">{error}</span>
          </div>
        </div>
      )}

      {report && (
        <>
          <div className="import-summary" role="status">
            {outcomes.length === 1 ? '1 file' : `${outcomes.length} files`} into{' '}
            <strong>{report.systemId}</strong> ({report.timeZone}): {count(totals.rows)} trips
            imported, {count(totals.rejected)} rows rejected
            {totals.kept > 0 && (
              <strong className="import-kept">
                {' '}
                · {totals.kept === 1 ? '1 file' : `${totals.kept} files`} quarantined: not in flows
              </strong>
            )}
            {report.systemCreated && ' · the system was created for them'}
          </div>
          {outcomes.map((outcome, i) => (
            <OutcomePanel
              key={`${outcome.file}-${i}`}
              outcome={outcome}
              client={client}
              canDecide={canDispatch(session)}
            />
          ))}
        </>
      )}

      {!report && !error && !working && (
        <Empty title="No import yet">
          Choose the month’s trip files; each file’s summary shows here: rows imported and rejected,
          how many station ids matched, and the ones that did not.
        </Empty>
      )}
    </section>
  )
}
