import type {
  TripImportDone,
  TripImportOutcome,
  TripImportQuarantined,
} from '../../../shared/trips'
import type { ConsoleClient } from '../api/client'
import { formatDuration } from '../common/format'
import { QuarantineNotice } from './Quarantine'
import { count, percent } from './trip-format'

function Stat({ label, value, tone }: { label: string; value: string; tone?: string }) {
  return (
    <div className={tone ? `stat stat-${tone}` : 'stat'}>
      <span className="stat-value num">{value}</span>
      <span className="stat-label">{label}</span>
    </div>
  )
}

function Imported({ outcome }: { outcome: TripImportDone | TripImportQuarantined }) {
  const { stations } = outcome
  const rate = stations.matchRate
  const kept = outcome.status === 'quarantined'
  return (
    <>
      <div className="stats">
        <Stat label="Rows read" value={count(outcome.rowsRead)} />
        <Stat
          label={kept ? 'Kept apart' : 'Imported'}
          value={count(outcome.rowsImported)}
          tone={kept ? 'bad' : 'ok'}
        />
        <Stat
          label="Rejected"
          value={count(outcome.rowsRejected)}
          tone={outcome.rowsRejected > 0 ? 'warn' : 'quiet'}
        />
        <Stat
          label="Stations matched"
          value={rate === null ? '—' : percent(rate)}
          tone={kept ? 'bad' : rate === null ? 'quiet' : rate < 0.95 ? 'warn' : 'ok'}
        />
        <Stat label="Rows/s" value={count(outcome.rowsPerSecond)} />
        <Stat label="Time" value={formatDuration(outcome.seconds + outcome.flowSeconds)} />
      </div>
      <p className="panel-text import-facts">
        {outcome.format} · {outcome.timeZone} · system {outcome.systemId}
        {stations.matchedBy
          ? ` · ${count(stations.idsMatched)} of ${count(stations.ids)} station ids matched by ${stations.matchedBy}`
          : kept
            ? ' · no station id matched a column of this system’s stations'
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
  quarantined: ['Quarantined: not in flows', 'bad'],
}

export function OutcomePanel({
  outcome,
  client,
  canDecide,
}: {
  outcome: TripImportOutcome
  client: ConsoleClient
  canDecide: boolean
}) {
  const [label, tone] = BADGES[outcome.status]
  return (
    <section className="panel" aria-label={`Summary of ${outcome.file}`}>
      <header className="panel-header">
        <h2>{outcome.file}</h2>
        <span className={`badge badge-${tone}`}>{label}</span>
      </header>
      {outcome.status === 'quarantined' && (
        <QuarantineNotice
          client={client}
          importId={outcome.importId}
          quarantine={outcome.quarantine}
          canDecide={canDecide}
        />
      )}
      {(outcome.status === 'imported' || outcome.status === 'quarantined') && (
        <Imported outcome={outcome} />
      )}
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
