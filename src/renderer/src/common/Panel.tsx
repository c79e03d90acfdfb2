import type { ReactNode } from 'react'

/** A titled box of a view: a chart or a table, with its figures and its buttons. */
export function Panel({
  title,
  meta,
  actions,
  children,
  className,
}: {
  title: string
  meta?: ReactNode
  actions?: ReactNode
  children: ReactNode
  className?: string
}) {
  return (
    <section className={`panel${className ? ` ${className}` : ''}`} aria-label={title}>
      <header className="panel-header">
        <h2>{title}</h2>
        {meta && <span className="panel-meta">{meta}</span>}
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      <div className="panel-chart">{children}</div>
    </section>
  )
}
