import { useId } from 'react'

/** A count with big − and + buttons: gloves, a moving van, no fiddly keyboard needed. */
export function NumberField({
  label,
  value,
  onChange,
  min = 0,
  max = 200,
  hint,
}: {
  label: string
  value: number
  onChange: (value: number) => void
  min?: number
  max?: number
  hint?: string
}) {
  const id = useId()
  const clamp = (next: number) => Math.min(max, Math.max(min, Number.isFinite(next) ? next : min))
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="stepper">
        <button
          type="button"
          aria-label={`${label}: one fewer`}
          onClick={() => onChange(clamp(value - 1))}
          disabled={value <= min}
        >
          −
        </button>
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          value={value}
          onChange={(event) => onChange(clamp(Math.round(Number(event.target.value))))}
        />
        <button
          type="button"
          aria-label={`${label}: one more`}
          onClick={() => onChange(clamp(value + 1))}
          disabled={value >= max}
        >
          +
        </button>
      </div>
      {hint ? <p className="hint">{hint}</p> : null}
    </div>
  )
}
