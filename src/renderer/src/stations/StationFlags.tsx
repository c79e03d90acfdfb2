import type { StationLive } from '../../../shared/feeds'

const STALE_WORDS: Record<NonNullable<StationLive['staleReason']>, string> = {
  no_status: 'No status',
  feed_stale: 'Feed stale',
  missing_from_feed: 'Left out of feed',
  never_reported: 'Never reported',
  report_old: 'Old report',
}

/**
 * What is wrong with a station besides its fill, as a badge; "Live" when nothing is. The worst
 * shows in words and any others fold into "+1" (rows are one line: two badges in words do not
 * fit the column at 1366x768); the badge's title tells them all.
 */
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
  const [first, ...more] = flags
  if (!first) return <span className="flag-live">Live</span>
  const all = flags.map((flag) => flag.title ?? flag.text).join(' · ')
  return (
    <span className="flags" title={all}>
      <span className={`badge badge-${first.tone}`}>{first.text}</span>
      {more.length > 0 && (
        <span
          className="badge badge-quiet flags-more"
          aria-label={`and ${more.map((flag) => flag.text).join(', ')}`}
        >
          +{more.length}
        </span>
      )}
    </span>
  )
}
