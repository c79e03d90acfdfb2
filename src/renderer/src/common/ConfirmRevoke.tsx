/**
 * "Revoke" that asks once more: the first click turns it into "Revoke now" and "Keep" (with the
 * question beside them when one is given); only "Revoke now" revokes.
 */
export function ConfirmRevoke({
  name,
  asking,
  question,
  working = false,
  onAsk,
  onRevoke,
  onKeep,
}: {
  /** What is revoked, for the button's accessible name ("Revoke Van 3"). */
  name: string
  /** The question is open: show "Revoke now" and "Keep". */
  asking: boolean
  question?: string
  /** A revocation is under way: "Revoke now" waits. */
  working?: boolean
  onAsk: () => void
  onRevoke: () => void
  onKeep: () => void
}) {
  if (!asking) {
    return (
      <button
        type="button"
        className="button button-small button-quiet"
        onClick={onAsk}
        aria-label={`Revoke ${name}`}
      >
        Revoke
      </button>
    )
  }
  const buttons = (
    <>
      <button
        type="button"
        className="button button-small button-danger"
        disabled={working}
        onClick={onRevoke}
      >
        Revoke now
      </button>{' '}
      <button type="button" className="button button-small button-quiet" onClick={onKeep}>
        Keep
      </button>
    </>
  )
  if (!question) return buttons
  return (
    <span className="confirm-inline">
      <span>{question}</span> {buttons}
    </span>
  )
}
