import type { StationLive } from '../../../shared/feeds'
import { stationHash } from '../shell/routes'
import { stationKey, type StationIndex } from './stations'

/** "3 bikes · 16 docks", and how full, at a glance; never shown as live when it is not. */
export function Fill({ station }: { station: StationLive | undefined }) {
  if (!station || station.bikes === null) {
    return <span className="fill fill-unknown">no numbers</span>
  }
  const docks = station.docks ?? 0
  const total = station.capacity ?? station.bikes + docks
  const share = total > 0 ? Math.min(1, station.bikes / total) : 0
  const tone =
    station.bikes <= 2 ? 'fill-low' : station.docks !== null && docks <= 2 ? 'fill-high' : 'fill-ok'
  return (
    <span
      className={`fill ${tone}${station.stale ? ' fill-stale' : ''}`}
      title={station.stale ? `Not live: ${station.staleDetail ?? 'stale'}` : undefined}
    >
      <span className="fill-bar" aria-hidden="true">
        <span className="fill-bar-value" style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
      <span>
        <span className="num">{station.bikes}</span>
        <span className="fill-of">/{total}</span>
      </span>
      {station.stale && <span className="fill-stale-mark">not live</span>}
    </span>
  )
}

/** A station by name, with its id for the crews' radio and its fill now. */
export function StationCell({
  index,
  systemId,
  stationId,
  fill = true,
}: {
  index: StationIndex | null
  systemId: string
  stationId: string
  fill?: boolean
}) {
  const station = index?.get(stationKey(systemId, stationId))
  return (
    <span className="station">
      <a
        className="station-name station-link"
        href={stationHash({ systemId, stationId })}
        title={`${systemId} · station ${stationId}`}
      >
        {station?.name ?? `Station ${stationId}`}
      </a>
      {fill && <Fill station={station} />}
    </span>
  )
}
