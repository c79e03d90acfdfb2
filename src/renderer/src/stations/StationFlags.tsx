import type { StationLive } from '../../../shared/feeds'

const STALE_WORDS: Record<NonNullable<StationLive['staleReason']>, string> = {
  no_status: 'No status',
  feed_stale: 'Feed stale',
  missing_from_feed: 'Left out of feed',
  never_reported: 'Never reported',
  report_old: 'Old report',
}

/** What is wrong with a station besides its fill, as badges; "Live" when nothing is. */
export function StationFlags({ station }: { station: StationLive }) {
  const flags: { text: string; tone: 'bad' | 'warn' | 'quiet'; title?: string }[] = []
  if (station.isInstalled === false) flags.push({ text: 'Not installed', tone: 'bad' })
  else if (station.isRenting === false) flags.push({ text: 'Not renting', tone: 'bad' })
  if (station.isInstalled !== false && station.isReturning === false) {
    flags.push({ text: 'Not returning', tone: 'warn' })
  }
  if (station.stale) {
    flags.push({
      text: station.staleReason ? STALE_WORDS[station.staleReason] : 'Not live',
      tone: 'quiet',
      title: `Not live: ${station.staleDetail ?? 'stale'}`,
    })
  }
  if (flags.length === 0) return <span className="flag-live">Live</span>
  return (
    <span className="flags">
      {flags.map((flag) => (
        <span key={flag.text} className={`badge badge-${flag.tone}`} title={flag.title}>
          {flag.text}
        </span>
      ))}
    </span>
  )
}
