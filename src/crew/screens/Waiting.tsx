import type { OutboxItem } from '../outbox'

/** What the phone still has to send, in the order it will be sent. */
export function Waiting({
  items,
  online,
  onRetry,
  onDrop,
  unsent = null,
  onDropUnsent,
}: {
  items: readonly OutboxItem[]
  online: boolean
  onRetry: () => void
  onDrop: (key: string) => void
  /** Held after a sign-out: what to tell the crew member (see unsent.ts). */
  unsent?: { title: string; detail: string | null } | null
  onDropUnsent?: () => void
}) {
  if (items.length === 0) return null
  const refused = items.find((item) => item.error !== null)
  return (
    <section
      className={`waiting${refused || unsent ? ' refused' : ''}`}
      aria-label="Waiting to be sent"
    >
      {unsent ? (
        <h2>{unsent.title}</h2>
      ) : (
        <h2>
          Waiting to be sent: {items.length}
          {online ? '' : ' (no signal)'}
        </h2>
      )}
      <ol>
        {items.map((item) => (
          <li key={item.key}>
            {item.label}
            {item.error === null && item.attempts > 0 ? (
              <span className="tries"> · tried {item.attempts}×</span>
            ) : null}
          </li>
        ))}
      </ol>
      {unsent ? (
        <div className="refusal" role="alert">
          {unsent.detail ? <p>{unsent.detail}</p> : <p>Saved on this phone until then.</p>}
          {unsent.detail && onDropUnsent ? (
            <div className="row">
              <button className="secondary" type="button" onClick={onDropUnsent}>
                Drop them
              </button>
            </div>
          ) : null}
        </div>
      ) : refused ? (
        <div className="refusal" role="alert">
          <p>
            Not sent: {refused.label}. {refused.error}
          </p>
          <div className="row">
            <button className="secondary" type="button" onClick={onRetry}>
              Try again
            </button>
            <button className="secondary" type="button" onClick={() => onDrop(refused.key)}>
              Drop it
            </button>
          </div>
        </div>
      ) : (
        <p className="hint">Saved on this phone. Sent by itself when there is signal.</p>
      )}
    </section>
  )
}
