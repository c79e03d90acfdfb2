import type { ReactNode } from 'react'

/** One headline number with its unit, what it is, and a line under it. */
export function Figure({
  label,
  value,
  unit,
  sub,
  tone,
  hint,
}: {
  label: string
  value: ReactNode
  unit?: string
  sub?: ReactNode
  tone?: 'bad' | 'warn' | 'ok' | 'quiet'
  hint?: string
}) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`} title={hint}>
      <span className="stat-value num">
        {value}
        {unit && <span className="stat-unit">{unit}</span>}
      </span>
      <span className="stat-label">{label}</span>
      {sub && <span className="stat-sub">{sub}</span>}
    </div>
  )
}
