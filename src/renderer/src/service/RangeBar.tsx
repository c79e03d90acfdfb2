import { useEffect, useRef, useState } from 'react'
import type { ServiceSummary } from '../../../shared/service-levels'
import { plural } from '../common/format'
import {
  dayCount,
  isDate,
  lastDayOf,
  presetOf,
  presetRange,
  PRESETS,
  reportAddress,
  shiftRange,
  withFirstDay,
  withLastDay,
  type DayRange,
} from './range-data'

/**
 * A date typed into a field is applied once it stops changing: typing a year digit by digit
 * would otherwise ask for 0002, 0020 and 0202 on the way to 2023. Enter or leaving the field
 * applies it at once.
 */
function DateField({
  label,
  value,
  min,
  max,
  onCommit,
}: {
  label: string
  value: string
  min?: string
  max?: string
  onCommit: (date: string) => void
}) {
  const [draft, setDraft] = useState(value)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  const commit = (date: string) => {
    clearTimeout(timer.current)
    if (isDate(date) && date !== value) onCommit(date)
  }
  return (
    <label className="field">
      {label}
      <input
        type="date"
        value={draft}
        min={min}
        max={max}
        onChange={(event) => {
          const date = event.target.value
          setDraft(date)
          clearTimeout(timer.current)
          timer.current = setTimeout(() => commit(date), 600)
        }}
        onBlur={() => commit(draft)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit(draft)
        }}
      />
    </label>
  )
}

export function RangeBar({
  range,
  data,
  reportDay,
  onReportDay,
  systemId,
  go,
}: {
  range: DayRange
  data: ServiceSummary['data']
  reportDay: string
  onReportDay: (day: string) => void
  systemId: string | null
  go: (range: DayRange) => void
}) {
  const last = lastDayOf(range)
  const preset = data ? presetOf(range, data.last_day) : null
  return (
    <div className="panel range-bar">
      <div className="range-group" role="group" aria-label="Days shown">
        <button
          type="button"
          className="button button-small button-quiet"
          aria-label="Earlier days"
          title="Earlier days ( [ )"
          disabled={data !== null && range.from <= data.first_day}
          onClick={() => go(shiftRange(range, -1))}
        >
          ‹
        </button>
        <DateField
          key={`from ${range.from}`}
          label="From"
          value={range.from}
          onCommit={(from) => go(withFirstDay(range, from))}
        />
        <DateField
          key={`to ${last}`}
          label="to"
          value={last}
          min={range.from}
          onCommit={(day) => go(withLastDay(range, day))}
        />
        <button
          type="button"
          className="button button-small button-quiet"
          aria-label="Later days"
          title="Later days ( ] )"
          disabled={data !== null && last >= data.last_day}
          onClick={() => go(shiftRange(range, 1))}
        >
          ›
        </button>
        <span className="range-days muted">{plural(dayCount(range), 'day')}</span>
        <div className="segmented" role="group" aria-label="Presets">
          {PRESETS.map((option) => (
            <button
              key={option.days}
              type="button"
              className={preset === option.days ? 'segment segment-on' : 'segment'}
              aria-pressed={preset === option.days}
              disabled={!data}
              title={
                data ? `The ${option.days} days up to ${data.last_day}, the data's last` : undefined
              }
              onClick={() => data && go(presetRange(data.last_day, option.days))}
            >
              {option.label}
            </button>
          ))}
        </div>
      </div>
      <div className="range-group range-report">
        <label className="field">
          Daily report
          <input
            type="date"
            value={reportDay}
            min={range.from}
            max={last}
            onChange={(event) => {
              if (isDate(event.target.value)) onReportDay(event.target.value)
            }}
          />
        </label>
        {systemId ? (
          <a
            className="button button-small"
            href={reportAddress({ systemId, day: reportDay }, range)}
          >
            Open report
          </a>
        ) : (
          <button type="button" className="button button-small" disabled>
            Open report
          </button>
        )}
      </div>
    </div>
  )
}
