import { useEffect } from 'react'
import {
  Area,
  Bar,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
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

function mark(name: string): void {
  performance.clearMarks(name)
  performance.mark(name)
}

function timeDomain(rows: { start: number }[] | { at: number }[]): [number, number] {
  const values = rows.map((row) => ('start' in row ? row.start : row.at))
  return [Math.min(...values), Math.max(...values)]
}

/** 15-minute (or hourly, daily) arrivals above the axis and departures below it. */
export function FlowChart({ series, rows }: { series: FlowSeries; rows: FlowRow[] }) {
  useEffect(() => mark('station:flows-rendered'), [rows])
  const [start, end] = timeDomain(rows)
  const axis = timeTicks(start, end, series.timeZone)
  const full = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: series.timeZone,
  })
  return (
    <Frame height={240}>
      <ComposedChart data={rows} stackOffset="sign" barCategoryGap={0} barGap={0}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis
          dataKey="start"
          type="number"
          scale="time"
          domain={[start, end]}
          ticks={axis.ticks}
          tickFormatter={axis.format}
          tick={AXIS}
          minTickGap={16}
        />
        <YAxis
          tick={AXIS}
          width={36}
          allowDecimals={false}
          tickFormatter={(v: number) => String(Math.abs(v))}
        />
        <ReferenceLine y={0} stroke="var(--border-strong)" />
        <Tooltip
          labelFormatter={(value) => full.format(new Date(Number(value)))}
          formatter={(value, name) => [Math.abs(Number(value)), name]}
          contentStyle={TOOLTIP_STYLE}
        />
        <Bar
          dataKey="inflow"
          name="Arrivals"
          stackId="flow"
          fill={CHART_COLORS.inflow}
          {...STILL}
        />
        <Bar
          dataKey="outflow"
          name="Departures"
          stackId="flow"
          fill={CHART_COLORS.outflow}
          {...STILL}
        />
      </ComposedChart>
    </Frame>
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
    <Frame height={200}>
      <ComposedChart data={rows}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="label" tick={AXIS} interval={2} />
        <YAxis tick={AXIS} width={36} />
        <Tooltip
          formatter={(value, name) => [Number(value).toFixed(2), name]}
          contentStyle={TOOLTIP_STYLE}
        />
        <Line
          dataKey="inflow"
          name="Arrivals a day"
          stroke={CHART_COLORS.inflow}
          strokeWidth={2}
          dot={false}
          {...STILL}
        />
        <Line
          dataKey="outflow"
          name="Departures a day"
          stroke={CHART_COLORS.outflow}
          strokeWidth={2}
          dot={false}
          {...STILL}
        />
      </ComposedChart>
    </Frame>
  )
}

/** Bikes (and docks) as the station held them: steps, with the fewest-to-most band when sampled. */
export function HistoryChart({ history }: { history: StationHistory }) {
  const rows = historyRows(history)
  const [start, end] = timeDomain(rows)
  const axis = timeTicks(start, end, history.timeZone)
  const full = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: history.timeZone,
  })
  return (
    <Frame height={200}>
      <ComposedChart data={rows}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis
          dataKey="at"
          type="number"
          scale="time"
          domain={[start, end]}
          ticks={axis.ticks}
          tickFormatter={axis.format}
          tick={AXIS}
          minTickGap={16}
        />
        <YAxis tick={AXIS} width={36} allowDecimals={false} />
        <Tooltip
          labelFormatter={(value) => full.format(new Date(Number(value)))}
          contentStyle={TOOLTIP_STYLE}
        />
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
          strokeWidth={1}
          dot={false}
          {...STILL}
        />
        <Line
          dataKey="bikes"
          name="Bikes"
          type="stepAfter"
          stroke={CHART_COLORS.bikes}
          strokeWidth={2}
          dot={false}
          {...STILL}
        />
      </ComposedChart>
    </Frame>
  )
}
