import type { Decisions } from './useDecisions'

/**
 * What the last decision did, with its Undo (`u`) while it lasts, or why it was refused with the
 * quantity that still fits to approve instead.
 */
export function DecisionToast({ decisions }: { decisions: Decisions }) {
  const { toast } = decisions
  if (!toast) return null
  const fits = toast.fits
  return (
    <div
      className={`notice notice-${toast.tone} sugg-toast`}
      role={toast.tone === 'error' ? 'alert' : 'status'}
    >
      <span>{toast.text}</span>
      <span className="sugg-actions">
        {toast.undo !== undefined && (
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => void decisions.undo()}
            disabled={decisions.busy.has(toast.undo)}
            aria-keyshortcuts="u"
          >
            Undo
          </button>
        )}
        {fits && (
          <button
            type="button"
            className="button button-small"
            onClick={() => void decisions.approve(fits.suggestion, fits.qty)}
            disabled={decisions.busy.has(fits.suggestion.id)}
          >
            Approve {fits.qty} instead
          </button>
        )}
        <button type="button" className="link-button" onClick={decisions.dismiss}>
          Dismiss
        </button>
      </span>
    </div>
  )
}
