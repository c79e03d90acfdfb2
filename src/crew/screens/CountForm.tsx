import { useState } from 'react'
import { NumberField } from './NumberField'

/** "Picked up" and "Complete": the bikes actually taken, or actually left. */
export function CountForm({
  title,
  label,
  initial,
  max,
  hint,
  confirm,
  onConfirm,
  onBack,
}: {
  title: string
  label: string
  initial: number
  max: number
  hint: string
  confirm: string
  onConfirm: (count: number) => void
  onBack: () => void
}) {
  const [count, setCount] = useState(Math.min(initial, max))
  return (
    <main className="screen">
      <h1>{title}</h1>
      <NumberField label={label} value={count} max={max} onChange={setCount} hint={hint} />
      <button className="primary" type="button" onClick={() => onConfirm(count)}>
        {confirm}
      </button>
      <button className="secondary" type="button" onClick={onBack}>
        Back
      </button>
    </main>
  )
}
