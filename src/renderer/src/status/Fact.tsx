import type { ReactNode } from 'react'

/** One labelled fact of a status panel's list (`<dl className="facts">`). */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}
