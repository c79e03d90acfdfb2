import { useEffect, type ComponentProps, type ReactNode } from 'react'
import {
  Area,
  Bar,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceArea,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
  type XAxisProps,
} from 'recharts'
import type { FlowSeries } from '../../../shared/flows'
import type { StationHistory } from '../../../shared/stations'
import { AXIS, Frame, STILL, TOOLTIP_STYLE } from '../common/chart'
import { flowRows, historyRows, timeTicks, type FlowRow, type ProfileRow } from './chart-data'

/** Colours that read on light and dark surfaces alike. */
export const CHART_COLORS = {
  inflow: '#1c7ed6',
  outflow: '#e8590c',
  bikes: '#12b886',
  docks: '#868e96',
  band: '#12b886',
} as const

/** A series' line: 2 px, no dots, drawn still. */
const LINE = { strokeWidth: 2, dot: false, ...STILL } as const

/** A station's two flows, arrivals first. */
const FLOWS = [
  ['inflow', 'Arrivals'],
  ['outflow', 'Departures'],
] as const

/** A station chart's frame and grid, around its axes and series. */
function StationChart({
  height,
  children,
  ...chart
}: { height: number; children: ReactNode } & ComponentProps<typeof ComposedChart>) {
  return (
    <Frame height={height}>
      <ComposedChart {...chart}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        {children}
      </ComposedChart>
    </Frame>
  )
}

function mark(name: string): void {
  performance.clearMarks(name)
  performance.mark(name)
}

function timeDomain(rows: { start: number }[] | { at: number }[]): [number, number] {
  const values = rows.map((row) => ('start' in row ? row.start : row.at))
  return [Math.min(...values), Math.max(...values)]
}

/**
 * A time axis over `rows` on the system's clock (`timeZone`): the X axis's props, and the
 * tooltip's label, the date and time of the point under the pointer.
 */
function timeAxis(rows: { start: number }[] | { at: number }[], timeZone: string) {
  const [start, end] = timeDomain(rows)
  const ticks = timeTicks(start, end, timeZone)
  const full = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  })
  const x: XAxisProps = {
    type: 'number',
    scale: 'time',
    domain: [start, end],
    ticks: ticks.ticks,
    tickFormatter: ticks.format,
    tick: AXIS,
    minTickGap: 16,
  }
  return { x, label: (value: unknown) => full.format(new Date(Number(value))) }
}

/** 15-minute (or hourly, daily) arrivals above the axis and departures below it. */
export function FlowChart({ series, rows }: { series: FlowSeries; rows: FlowRow[] }) {
  useEffect(() => mark('station:flows-rendered'), [rows])
  const time = timeAxis(rows, series.timeZone)
  return (
    <StationChart height={240} data={rows} stackOffset="sign" barCategoryGap={0} barGap={0}>
      <XAxis dataKey="start" {...time.x} />
      <YAxis
        tick={AXIS}
        width={36}
        allowDecimals={false}
        tickFormatter={(v: number) => String(Math.abs(v))}
      />
      <ReferenceLine y={0} stroke="var(--border-strong)" />
      <Tooltip
        labelFormatter={time.label}
        formatter={(value, name) => [Math.abs(Number(value)), name]}
        contentStyle={TOOLTIP_STYLE}
      />
      {FLOWS.map(([key, name]) => (
        <Bar
          key={key}
          dataKey={key}
          name={name}
          stackId="flow"
          fill={CHART_COLORS[key]}
          {...STILL}
        />
      ))}
    </StationChart>
  )
}

export function flowTotals(rows: readonly FlowRow[]): { inflow: number; outflow: number } {
  let inflow = 0
  let outflow = 0
  for (const row of rows) {
    inflow += row.inflow
    outflow -= row.outflow
  }
  return { inflow, outflow }
}

export { flowRows }

/** Mean arrivals and departures by time of day over the chosen days of the week. */
export function ProfileChart({ rows }: { rows: ProfileRow[] }) {
  return (
    <StationChart height={200} data={rows}>
      <XAxis dataKey="label" tick={AXIS} interval={2} />
      <YAxis tick={AXIS} width={36} />
      <Tooltip
        formatter={(value, name) => [Number(value).toFixed(2), name]}
        contentStyle={TOOLTIP_STYLE}
      />
      {FLOWS.map(([key, name]) => (
        <Line key={key} dataKey={key} name={`${name} a day`} stroke={CHART_COLORS[key]} {...LINE} />
      ))}
    </StationChart>
  )
}

/** Bikes (and docks) as the station held them: steps, with the fewest-to-most band when sampled. */
export function HistoryChart({ history }: { history: StationHistory }) {
  const rows = historyRows(history)
  // The whole range asked for, so a gap at either end shows as one.
  const start = Date.parse(history.from)
  const end = Math.max(
    start + 1,
    ...rows.map((row) => row.at),
    ...history.gaps.map((gap) => Date.parse(gap.to)),
  )
  const time = timeAxis([{ at: start }, { at: end }], history.timeZone)
  return (
    <StationChart height={200} data={rows}>
      <XAxis dataKey="at" {...time.x} />
      <YAxis tick={AXIS} width={36} allowDecimals={false} />
      <Tooltip labelFormatter={time.label} contentStyle={TOOLTIP_STYLE} />
      {/* Nothing was read there: shaded, and no line carries the last state across. */}
      {history.gaps.map((gap) => (
        <ReferenceArea
          key={gap.from}
          x1={Date.parse(gap.from)}
          x2={Date.parse(gap.to)}
          fill="var(--muted)"
          fillOpacity={0.14}
          stroke="none"
          ifOverflow="hidden"
          className="history-gap"
        />
      ))}
      {history.bucketSeconds !== null && (
        <Area
          dataKey="band"
          name="Fewest–most bikes"
          type="stepAfter"
          stroke="none"
          fill={CHART_COLORS.band}
          fillOpacity={0.18}
          {...STILL}
        />
      )}
      <Line
        dataKey="docks"
        name="Docks"
        type="stepAfter"
        stroke={CHART_COLORS.docks}
        {...LINE}
        strokeWidth={1}
      />
      <Line dataKey="bikes" name="Bikes" type="stepAfter" stroke={CHART_COLORS.bikes} {...LINE} />
    </StationChart>
  )
}
