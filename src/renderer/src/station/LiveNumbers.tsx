import type { StationLive } from '../../../shared/feeds'
import { fillLevel, fillShare } from '../common/fill'
import { Figure } from '../common/Figure'
import { formatAgo, formatClock, formatFullTime } from '../common/format'
import { StationFlags } from '../stations/StationFlags'

/** The station's figures now, how fresh they are, and its flags. */

export function LiveNumbers({ station, now }: { station: StationLive; now: number }) {
  const level = fillLevel(station)
  const share = fillShare(station)
  const n = (value: number | null) => (value === null ? '—' : value.toLocaleString())
  /** A live figure's tone; a stale one's is quiet whatever it says. */
  const live = (tone: 'bad' | undefined) => (station.stale ? 'quiet' : tone)
  const disabled =
    station.bikesDisabled === null && station.docksDisabled === null
      ? null
      : (station.bikesDisabled ?? 0) + (station.docksDisabled ?? 0)
  return (
    <section className={`panel station-live${station.stale ? ' station-live-stale' : ''}`}>
      <div className="stats">
        {(
          [
            ['Bikes', station.bikes, level === 'empty' || level === 'low'],
            ['E-bikes', station.ebikes, false],
            ['Docks', station.docks, level === 'full' || level === 'high'],
          ] as const
        ).map(([label, value, bad]) => (
          <Figure key={label} label={label} value={n(value)} tone={live(bad ? 'bad' : undefined)} />
        ))}
        <Figure
          label="Disabled"
          value={n(disabled)}
          tone="quiet"
          hint={`${station.bikesDisabled ?? 0} bikes, ${station.docksDisabled ?? 0} docks out of service`}
        />
        <Figure label="Capacity" value={n(station.capacity)} tone="quiet" />
        <Figure
          label="Fill"
          value={share === null ? '—' : `${Math.round(share * 100)}%`}
          tone={live(undefined)}
        />
        <Figure
          label="Score"
          value={station.stale || station.score === null ? '—' : station.score}
          tone={(station.score ?? 0) >= 70 ? 'bad' : (station.score ?? 0) > 0 ? 'warn' : 'quiet'}
          hint="The seed's urgency: 70 for 2 bikes or fewer, 30 for 2 docks or fewer"
        />
      </div>
      <div className="station-live-foot">
        <StationFlags station={station} />
        <span className="muted" title={formatFullTime(station.lastReported, station.timeZone)}>
          Last reported {formatClock(station.lastReported, station.timeZone)} (
          {formatAgo(station.lastReported, now)})
        </span>
        {station.stale && station.staleDetail && (
          <span className="stale-words">Not live: {station.staleDetail}</span>
        )}
      </div>
    </section>
  )
}
