import { Figure } from '../common/Figure'
import { formatClock } from '../common/format'
import { dayLabel } from './range-data'
import { formatDollars, oneDecimal, whole, type Headline } from './service-data'

/** The figures a range (or a day) is judged by, in one row. */
export function HeadlineFigures({ headline, single }: { headline: Headline; single?: boolean }) {
  const running = headline.incomplete.length
  return (
    <div className="stats headline" aria-label="Headline figures" role="group">
      {(
        [
          ['empty', headline.hoursEmpty, 'renting with no usable bike'],
          ['full', headline.hoursFull, 'returning with no operable dock'],
        ] as const
      ).map(([which, hours, why]) => (
        <Figure
          key={which}
          label={`Station-hours ${which}`}
          value={oneDecimal(hours)}
          unit=" h"
          tone={hours > 0 ? 'bad' : 'quiet'}
          hint={`Installed and ${why}, in service hours, over every station`}
        />
      ))}
      <Figure
        label="Cluster outage"
        value={whole(headline.outageMinutes)}
        unit=" min"
        sub={`${formatDollars(headline.outageDollars)} at $1 a minute`}
        tone={headline.outageMinutes > 0 ? 'warn' : 'quiet'}
        hint="Minutes beyond 10 in a row with no bike, or no dock, anywhere in a station's cluster"
      />
      <Figure
        label="Available, 1+ bike and dock"
        value={formatShareValue(headline.availability1)}
        unit={headline.availability1 === null ? undefined : '%'}
        hint="Share of the known minutes with at least 1 usable bike and 1 usable dock"
      />
      <Figure
        label="Available, 2+ bikes and docks"
        value={formatShareValue(headline.availability2)}
        unit={headline.availability2 === null ? undefined : '%'}
        hint="Share of the known minutes with at least 2 usable bikes and 2 usable docks"
      />
      <Figure
        label="Station-hours unknown"
        value={oneDecimal(headline.hoursUnknown)}
        unit=" h"
        tone="quiet"
        hint="Service minutes without a report: counted neither way"
      />
      {!single && (
        <Figure
          label="Days with data"
          value={String(headline.days)}
          sub={running > 0 ? `${running} still running` : 'all complete'}
          tone={running > 0 ? 'warn' : undefined}
        />
      )}
    </div>
  )
}

function formatShareValue(share: number | null): string {
  return share === null ? '—' : oneDecimal(share * 100)
}

/** What the figures leave out, in words: unbridged polls, and days still running. */
export function HeadlineNotes({ headline, timeZone }: { headline: Headline; timeZone: string }) {
  const bridge = headline.bridgeMinutes
  const apart =
    bridge === null
      ? null
      : Math.round(bridge.low) === Math.round(bridge.high)
        ? `${Math.round(bridge.high)} min`
        : `${Math.round(bridge.low)}–${Math.round(bridge.high)} min`
  return (
    <div className="headline-notes">
      {headline.hoursUnknown > 0 && (
        <p className="hint">
          {oneDecimal(headline.hoursUnknown)} station-hours have no report and count neither way:
          {apart ? ` polls more than ${apart} apart are not bridged,` : ''} and a station the feed
          left out is unknown. Availability is a share of the known minutes only.
        </p>
      )}
      {headline.incomplete.map((day) => (
        <p key={day.day} className="hint hint-running">
          {dayLabel(day.day)} is still running: its figures are as of{' '}
          {formatClock(day.as_of, timeZone)} and change as polls arrive.
        </p>
      ))}
    </div>
  )
}
