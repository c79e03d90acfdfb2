import type { ReactNode } from 'react'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Rectangle,
  Tooltip,
  XAxis,
  YAxis,
  type BarShapeProps,
  type TooltipProps,
} from 'recharts'
import { AXIS, Frame, STILL, TOOLTIP_STYLE } from '../common/chart'
import { dayLabel } from './range-data'
import {
  dayTick,
  formatDollars,
  niceTicks,
  oneDecimal,
  type DayRow,
  type TaskDayRow,
} from './service-data'

/** Colours that read on light and dark surfaces alike. */
export const SERVICE_COLORS = {
  empty: '#e03131',
  full: '#4c6ef5',
  outage: '#ae3ec9',
  created: '#868e96',
  dispatched: '#1c7ed6',
  completed: '#12b886',
  canceled: '#e8590c',
} as const

/** A day still running is drawn paler: its bars will grow. */
const RUNNING_OPACITY = 0.45

const CURSOR = { fill: 'var(--surface-hover)' }

/** A bar of one day, paler while the day is still running. */
function dayBar(opacity: number) {
  return function DayBar(props: BarShapeProps) {
    const row = props.payload as DayRow | undefined
    return (
      <Rectangle
        x={props.x}
        y={props.y}
        width={props.width}
        height={props.height}
        fill={props.fill}
        fillOpacity={row?.complete === false ? opacity * RUNNING_OPACITY : opacity}
      />
    )
  }
}
const SOLID_BAR = dayBar(1)

/** The largest of a value over the rows (nulls are days without data). */
function most<Row>(rows: readonly Row[], value: (row: Row) => number | null): number {
  return Math.max(0, ...rows.map((row) => value(row) ?? 0))
}

/** The series' colours and names, for a panel's header. */
export function ChartLegend({
  items,
}: {
  items: readonly { color: string; label: string; opacity?: number }[]
}) {
  return (
    <span className="chart-legend">
      {items.map((item) => (
        <span key={item.label}>
          <span
            className="legend-swatch"
            style={{ background: item.color, opacity: item.opacity }}
            aria-hidden="true"
          />
          {item.label}
        </span>
      ))}
    </span>
  )
}

export const EMPTY_FULL_LEGEND = [
  { color: SERVICE_COLORS.empty, label: 'Empty' },
  { color: SERVICE_COLORS.full, label: 'Full' },
] as const

export const TASK_LEGEND = [
  { color: SERVICE_COLORS.created, label: 'Created' },
  { color: SERVICE_COLORS.dispatched, label: 'Dispatched' },
  { color: SERVICE_COLORS.completed, label: 'Completed' },
  { color: SERVICE_COLORS.canceled, label: 'Canceled' },
] as const

/** "Mon, Jul 10", and whether the day is still running. */
function tooltipDay(rows: readonly { day: string; complete?: boolean }[]) {
  return (label: ReactNode) => {
    const day = typeof label === 'string' ? label : ''
    const running = rows.find((row) => row.day === day)?.complete === false
    return `${dayLabel(day)}${running ? ' (still running)' : ''}`
  }
}

/**
 * Bars for each day of the range: the grid, the days along the bottom, a count axis ending on
 * `ticks`' round number, and a tooltip headed by the day.
 */
function DayChart({
  rows,
  height,
  ticks,
  axisWidth,
  barCategoryGap,
  barGap,
  labelFormatter = tooltipDay(rows),
  formatter,
  children,
}: {
  rows: readonly { day: string; complete?: boolean }[]
  height: number
  ticks: number[]
  axisWidth: number
  barCategoryGap: string
  barGap?: number
  labelFormatter?: TooltipProps['labelFormatter']
  formatter?: TooltipProps['formatter']
  children: ReactNode
}) {
  return (
    <Frame height={height}>
      <BarChart data={rows} barCategoryGap={barCategoryGap} barGap={barGap}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis
          dataKey="day"
          tick={AXIS}
          tickFormatter={(day: string) => dayTick(day, rows.length)}
          minTickGap={8}
        />
        <YAxis tick={AXIS} width={axisWidth} ticks={ticks} domain={[0, ticks.at(-1) ?? 1]} />
        <Tooltip
          cursor={CURSOR}
          contentStyle={TOOLTIP_STYLE}
          labelFormatter={labelFormatter}
          formatter={formatter}
        />
        {children}
      </BarChart>
    </Frame>
  )
}

/**
 * Station-hours empty and full each day. The hours nobody knows about are in the tooltip, not
 * the bars: a Bay Wheels week has eight times more of them than of empty and full together
 * (the recorder's evening gaps), and stacked on they flattened what the chart is for.
 */
export function EmptyFullChart({ rows }: { rows: DayRow[] }) {
  const day = tooltipDay(rows)
  return (
    <DayChart
      rows={rows}
      height={220}
      ticks={niceTicks(most(rows, (row) => (row.hoursEmpty ?? 0) + (row.hoursFull ?? 0)))}
      axisWidth={44}
      barCategoryGap="20%"
      labelFormatter={(label) => {
        const unknown = rows.find((row) => row.day === label)?.hoursUnknown ?? 0
        return `${day(label)}${unknown > 0 ? ` · ${oneDecimal(unknown)} h unknown` : ''}`
      }}
      formatter={(value, name) => [`${oneDecimal(Number(value))} h`, name]}
    >
      {(
        [
          ['hoursEmpty', 'Empty', SERVICE_COLORS.empty],
          ['hoursFull', 'Full', SERVICE_COLORS.full],
        ] as const
      ).map(([key, name, color]) => (
        <Bar
          key={key}
          dataKey={key}
          name={name}
          stackId="hours"
          fill={color}
          shape={SOLID_BAR}
          {...STILL}
        />
      ))}
    </DayChart>
  )
}

/** Cluster outage minutes each day; the tooltip says what they cost. */
export function OutageChart({ rows }: { rows: DayRow[] }) {
  return (
    <DayChart
      rows={rows}
      height={220}
      ticks={niceTicks(most(rows, (row) => row.outageMinutes))}
      axisWidth={44}
      barCategoryGap="20%"
      formatter={(value, _name, item) => {
        const row = item.payload as DayRow
        return [
          `${Math.round(Number(value)).toLocaleString()} min (${formatDollars(row.outageDollars ?? 0)})`,
          'Cluster outage',
        ]
      }}
    >
      <Bar
        dataKey="outageMinutes"
        name="Cluster outage"
        fill={SERVICE_COLORS.outage}
        shape={SOLID_BAR}
        {...STILL}
      />
    </DayChart>
  )
}

/** Tasks created, handed out, completed and canceled each day. */
export function TasksChart({ rows }: { rows: TaskDayRow[] }) {
  return (
    <DayChart
      rows={rows}
      height={180}
      ticks={niceTicks(
        most(rows, (row) => Math.max(row.created, row.dispatched, row.completed, row.canceled)),
        { whole: true },
      )}
      axisWidth={36}
      barCategoryGap="18%"
      barGap={1}
    >
      <Bar dataKey="created" name="Created" fill={SERVICE_COLORS.created} {...STILL} />
      <Bar dataKey="dispatched" name="Dispatched" fill={SERVICE_COLORS.dispatched} {...STILL} />
      <Bar dataKey="completed" name="Completed" fill={SERVICE_COLORS.completed} {...STILL} />
      <Bar dataKey="canceled" name="Canceled" fill={SERVICE_COLORS.canceled} {...STILL} />
    </DayChart>
  )
}
