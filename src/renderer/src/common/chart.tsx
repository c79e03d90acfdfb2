import { ResponsiveContainer } from 'recharts'

/** Axis labels in the page's muted text colour, which both themes define. */
export const AXIS = { fontSize: 11, fill: 'var(--muted)' }
/** Big series draw without animation or dots (Recharts stays fast well past 2,000 points). */
export const STILL = { isAnimationActive: false } as const
/** A tooltip on the page's own surface, legible in light and dark. */
export const TOOLTIP_STYLE = {
  backgroundColor: 'var(--surface)',
  border: '1px solid var(--border)',
  borderRadius: 4,
  color: 'var(--text)',
} as const

/** A chart's box: as wide as its panel, `height` tall. */
export function Frame({ height, children }: { height: number; children: React.ReactElement }) {
  return (
    <div className="chart" style={{ height }}>
      {/* initialDimension: drawn before the first layout (and in tests, which have none). */}
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 800, height }}>
        {children}
      </ResponsiveContainer>
    </div>
  )
}
