import { useCallback, useEffect, useRef, useState } from 'react'
import {
  STATION_KEYS,
  type StationKey,
  type TripImportDone,
  type TripImportOptions,
  type TripImportOutcome,
  type TripImportProgress,
  type TripImportReport,
} from '../../../shared/trips'
import { formatDuration, messageOf } from '../common/format'
import { Empty } from '../common/states'
import { useResource } from '../common/useResource'
import type { ViewProps } from '../shell/view-props'

const PHASES: Record<TripImportProgress['phase'], string> = {
  reading: 'Reading',
  inserting: 'Saving trips',
  flows: 'Counting station flows',
  done: 'Done',
}

const KEY_LABELS: Record<StationKey, string> = {
  station_id: 'station_id (GBFS id)',
  short_name: 'short_name (Lyft files since 2020)',
  legacy_id: 'legacy_id (older files)',
  external_id: 'external_id',
}

const count = (n: number) => n.toLocaleString('en-US')
const percent = (share: number) => `${(share * 100).toFixed(share === 0 || share === 1 ? 0 : 1)} %`

function ProgressPanel({ progress }: { progress: TripImportProgress }) {
  const value = progress.phase === 'done' ? 100 : progress.percent
  return (
    <section className="panel" aria-labelledby="import-progress-title">
      <header className="panel-header">
        <h2 id="import-progress-title">Importing {progress.file}</h2>
        <span className="panel-meta">{PHASES[progress.phase]}</span>
      </header>
      <div className="panel-body progress-body">
        <div
          className={value === null ? 'progress progress-unknown' : 'progress'}
          role="progressbar"
          aria-label={`Importing ${progress.file}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={value === null ? undefined : Math.round(value)}
        >
          <div className="progress-value" style={{ width: `${value ?? 100}%` }} />
        </div>
        <dl className="progress-figures">
          <div>
            <dt>Done</dt>
            <dd className="num">{value === null ? '—' : `${Math.floor(value)} %`}</dd>
          </div>
          <div>
            <dt>Rows</dt>
            <dd className="num">{count(progress.rowsDone)}</dd>
          </div>
          <div>
            <dt>Rows/s</dt>
            <dd className="num">{count(progress.rowsPerSecond)}</dd>
          </div>
          <div>
            <dt>Time</dt>
            <dd className="num">{formatDuration(progress.elapsedSeconds)}</dd>
          </div>
        </dl>
      </div>
    </section>
  )
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: string }) {
  return (
    <div className={tone ? `stat stat-${tone}` : 'stat'}>
      <span className="stat-value num">{value}</span>
      <span className="stat-label">{label}</span>
    </div>
  )
}

function Imported({ outcome }: { outcome: TripImportDone }) {
  const { stations } = outcome
  const rate = stations.matchRate
  return (
    <>
      <div className="stats">
        <Stat label="Rows read" value={count(outcome.rowsRead)} />
        <Stat label="Imported" value={count(outcome.rowsImported)} tone="ok" />
        <Stat
          label="Rejected"
          value={count(outcome.rowsRejected)}
          tone={outcome.rowsRejected > 0 ? 'warn' : 'quiet'}
        />
        <Stat
          label="Stations matched"
          value={rate === null ? '—' : percent(rate)}
          tone={rate === null ? 'quiet' : rate < 0.95 ? 'warn' : 'ok'}
        />
        <Stat label="Rows/s" value={count(outcome.rowsPerSecond)} />
        <Stat label="Time" value={formatDuration(outcome.seconds + outcome.flowSeconds)} />
      </div>
      <p className="panel-text import-facts">
        {outcome.format} · {outcome.timeZone} · system {outcome.systemId}
        {stations.matchedBy
          ? ` · ${count(stations.idsMatched)} of ${count(stations.ids)} station ids matched by ${stations.matchedBy}`
          : ' · no stations to match yet'}
        {stations.tripsUnmatched > 0 &&
          ` · ${count(stations.tripsUnmatched)} trips kept without a station`}
        {outcome.flowBins > 0 && ` · ${count(outcome.flowBins)} flow bins`}
      </p>
      {outcome.hint && (
        <div className="notice notice-warn import-hint" role="note">
          {outcome.hint}
        </div>
      )}
      <div className="import-tables">
        {stations.unmatchedIds.length > 0 && (
          <table className="table" aria-label="Unmatched station ids">
            <thead>
              <tr>
                <th>Unmatched station id</th>
                <th className="right">Trip ends</th>
              </tr>
            </thead>
            <tbody>
              {stations.unmatchedIds.map((unmatched) => (
                <tr key={unmatched.id}>
                  <td>
                    <code>{unmatched.id}</code>
                  </td>
                  <td className="right num">{count(unmatched.tripEnds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {outcome.rejections.length > 0 && (
          <table className="table" aria-label="Rejected rows">
            <thead>
              <tr>
                <th className="right">Line</th>
                <th>Why it was rejected</th>
              </tr>
            </thead>
            <tbody>
              {outcome.rejections.map((rejection) => (
                <tr key={rejection.line}>
                  <td className="right num">{count(rejection.line)}</td>
                  <td>{rejection.reason}</td>
                </tr>
              ))}
              {outcome.rowsRejected > outcome.rejections.length && (
                <tr>
                  <td />
                  <td className="muted">
                    and {count(outcome.rowsRejected - outcome.rejections.length)} more (all are kept
                    in trip_import_errors)
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </div>
    </>
  )
}

const BADGES: Record<TripImportOutcome['status'], [string, string]> = {
  imported: ['Imported', 'ok'],
  'already-imported': ['Already imported', 'quiet'],
  failed: ['Failed', 'bad'],
}

function OutcomePanel({ outcome }: { outcome: TripImportOutcome }) {
  const [label, tone] = BADGES[outcome.status]
  return (
    <section className="panel" aria-label={`Summary of ${outcome.file}`}>
      <header className="panel-header">
        <h2>{outcome.file}</h2>
        <span className={`badge badge-${tone}`}>{label}</span>
      </header>
      {outcome.status === 'imported' && <Imported outcome={outcome} />}
      {outcome.status === 'already-imported' && (
        <p className="panel-text panel-text-last">
          The same content was imported into {outcome.systemId} before (import {outcome.importId},{' '}
          {count(outcome.rowsImported)} trips): nothing was imported again.
        </p>
      )}
      {outcome.status === 'failed' && (
        <div className="state-box state-box-error import-failed" role="alert">
          <div className="state-box-text">
            <strong>Nothing from this file was imported</strong>
            <span className="state-box-detail">{outcome.error}</span>
          </div>
        </div>
      )}
    </section>
  )
}

/**
 * Lyft trip files into the database: a native dialog in the desktop app, an upload from a browser;
 * progress while a file is read, then per file what was imported, matched and rejected.
 */
export function TripImportView({
  client,
  desktop = typeof window !== 'undefined' && window.balancer !== undefined,
}: ViewProps & { desktop?: boolean }) {
  const loadFeeds = useCallback(() => client.invoke('feeds:health'), [client])
  const feeds = useResource(client, loadFeeds)
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
        ? { rows: sum.rows + outcome.rowsImported, rejected: sum.rejected + outcome.rowsRejected }
        : sum,
    { rows: 0, rejected: 0 },
  )

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
          <label className="field">
            <span>Time zone</span>
            <input
              value={timeZone}
              placeholder="the system’s"
              onChange={(event) => setTimeZone(event.target.value)}
            />
          </label>
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
          <label className="field field-narrow">
            <span>Rejects allowed</span>
            <input
              value={maxRejected}
              placeholder="1 %"
              onChange={(event) => setMaxRejected(event.target.value)}
            />
          </label>
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
            {report.systemCreated && ' · the system was created for them'}
          </div>
          {outcomes.map((outcome, i) => (
            <OutcomePanel key={`${outcome.file}-${i}`} outcome={outcome} />
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
