import { useState } from 'react'
import { NumberField } from './NumberField'

export function StartShift({
  crewName,
  defaultCapacity,
  busy,
  onStart,
}: {
  crewName: string
  defaultCapacity: number | null
  busy: boolean
  onStart: (vanCapacity: number, onBoard: number) => void
}) {
  const [capacity, setCapacity] = useState(defaultCapacity ?? 12)
  const [onBoard, setOnBoard] = useState(0)
  return (
    <main className="screen">
      <h1>Start shift</h1>
      <p className="lead">{crewName}: check the van, then start.</p>
      <NumberField
        label="Van capacity (bikes)"
        value={capacity}
        min={1}
        onChange={(value) => {
          setCapacity(value)
          setOnBoard((current) => Math.min(current, value))
        }}
      />
      <NumberField
        label="Bikes on board now"
        value={onBoard}
        max={capacity}
        onChange={setOnBoard}
      />
      <button
        className="primary"
        type="button"
        disabled={busy}
        onClick={() => onStart(capacity, onBoard)}
      >
        {busy ? 'Starting…' : 'Start shift'}
      </button>
    </main>
  )
}
