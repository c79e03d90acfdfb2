import { useState } from 'react'
import type {
  QuarantinedImport,
  QuarantineDecision,
  TripImportQuarantine,
} from '../../../shared/trips'
import type { ConsoleClient } from '../api/client'
import { messageOf } from '../common/format'
import { count, percent } from './trip-format'

/**
 * A trip import kept apart (its station ids matched fewer than half of its trips' ends): what is
 * wrong, what to do, and a dispatcher's Accept or Discard. Shown under the file's summary after
 * an import, and in the view's list of imports waiting for a decision.
 */
export function QuarantineNotice({
  client,
  importId,
  quarantine,
  canDecide,
  onDecided,
}: {
  client: ConsoleClient
  importId: number
  quarantine: TripImportQuarantine
  canDecide: boolean
  onDecided?: (decision: QuarantineDecision) => void
}) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [decision, setDecision] = useState<QuarantineDecision | null>(null)

  const decide = async (verb: 'trips:accept' | 'trips:discard') => {
    setBusy(true)
    setError(null)
    try {
      const done = await client.invoke(verb, { import_id: importId })
      setDecision(done)
      onDecided?.(done)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  if (decision) {
    return (
      <div className="notice notice-quiet quarantine" role="status">
        {decision.decision === 'accepted'
          ? `Accepted: ${count(decision.trips)} trips added to ${decision.systemId}'s flows (${count(decision.flowBins)} flow bins); the engine's next fit sees them.`
          : `Discarded: ${count(decision.trips)} trips deleted. The file can be imported again.`}
      </div>
    )
  }
  const tone = quarantine.matchRate < 0.1 ? 'notice-error' : 'notice-warn'
  return (
    <div className={`notice ${tone} quarantine`} role="alert">
      <p className="quarantine-head">
        <strong>Quarantined: {percent(quarantine.matchRate)} of trip ends matched</strong>{' '}
        <span className="num">
          ({count(quarantine.tripEndsMatched)} of {count(quarantine.tripEnds)})
        </span>
      </p>
      <p>{quarantine.problem}.</p>
      <p>
        <strong>What to do:</strong> {quarantine.advice}.
      </p>
      {canDecide && (
        <div className="quarantine-actions">
          <button
            type="button"
            className="button button-danger"
            disabled={busy}
            onClick={() => void decide('trips:discard')}
          >
            Discard
          </button>
          <button
            type="button"
            className="button button-quiet"
            disabled={busy}
            onClick={() => void decide('trips:accept')}
          >
            Accept anyway
          </button>
        </div>
      )}
      {error && <p className="quarantine-error">{error}</p>}
    </div>
  )
}

/** Quarantined imports from earlier (or other desks) still waiting for a person's decision. */
export function QuarantineList({
  client,
  imports,
  canDecide,
}: {
  client: ConsoleClient
  imports: QuarantinedImport[]
  canDecide: boolean
}) {
  if (imports.length === 0) return null
  return (
    <section className="panel" aria-label="Quarantined imports">
      <header className="panel-header">
        <h2>Quarantined imports</h2>
        <span className="badge badge-bad">
          {imports.length === 1 ? '1 waiting' : `${imports.length} waiting`}
        </span>
      </header>
      {imports.map((waiting) => (
        <div key={waiting.importId} className="quarantine-item">
          <p className="panel-text">
            <strong>{waiting.file}</strong> into {waiting.systemId}, import {waiting.importId}:{' '}
            {count(waiting.rowsImported)} trips kept apart
          </p>
          <QuarantineNotice
            client={client}
            importId={waiting.importId}
            quarantine={waiting}
            canDecide={canDecide}
          />
        </div>
      ))}
    </section>
  )
}
