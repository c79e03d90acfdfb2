import type { OutboxItem } from '../outbox'

/** What the phone still has to send, in the order it will be sent. */
export function Waiting({
  items,
  online,
  onRetry,
  onDrop,
}: {
  items: readonly OutboxItem[]
  online: boolean
  onRetry: () => void
  onDrop: (key: string) => void
}) {
  if (items.length === 0) return null
  const refused = items.find((item) => item.error !== null)
  return (
    <section className={`waiting${refused ? ' refused' : ''}`} aria-label="Waiting to be sent">
      <h2>
        Waiting to be sent: {items.length}
        {online ? '' : ' (no signal)'}
      </h2>
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
      {refused ? (
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
