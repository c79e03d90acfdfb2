import { useState } from 'react'
import { NumberField } from './NumberField'

export function EndShift({
  capacity,
  waiting,
  busy,
  onEnd,
  onBack,
}: {
  capacity: number
  waiting: number
  busy: boolean
  onEnd: (onBoard: number) => void
  onBack: () => void
}) {
  const [onBoard, setOnBoard] = useState(0)
  return (
    <main className="screen">
      <h1>End shift</h1>
      <NumberField
        label="Bikes left on board"
        value={onBoard}
        max={capacity}
        onChange={setOnBoard}
      />
      {waiting > 0 ? (
        <p className="notice warning" role="status">
          {waiting} {waiting === 1 ? 'action is' : 'actions are'} still waiting to be sent. End the
          shift once they are through (find signal first).
        </p>
      ) : null}
      <button
        className="primary"
        type="button"
        disabled={busy || waiting > 0}
        onClick={() => onEnd(onBoard)}
      >
        {busy ? 'Ending…' : 'End shift'}
      </button>
      <button className="secondary" type="button" onClick={onBack}>
        Back
      </button>
    </main>
  )
}
