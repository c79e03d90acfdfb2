import type { FeedHealth, FeedsHealth } from '../../../shared/feeds'
import type { Session } from '../../../shared/dispatch'
import type { AppStatusView } from '../status/useAppStatus'
import { formatDuration, formatFullTime, secondsSince } from '../common/format'
import type { Resource } from '../common/useResource'
import type { ThemeChoice } from './theme'

function feedName(feed: FeedHealth): string {
  if (feed.systemName) return feed.systemName
  if (feed.systemId) return feed.systemId
  try {
    return new URL(feed.url).host
  } catch {
    return feed.url
  }
}

export interface Freshness {
  tone: 'ok' | 'stale'
  text: string
  title: string
}

/**
 * One feed's freshness in plain words, counted on the page's own clock from the feed's
 * last_updated, so the words keep ageing between answers and a feed that stops moving turns
 * stale on screen even if the server's last answer said it was live.
 */
export function describeFreshness(feed: FeedHealth, now: number): Freshness {
  const name = feedName(feed)
  const age = secondsSince(feed.feedLastUpdated, now)
  const title = [
    feed.feedLastUpdated
      ? `Feed data from ${formatFullTime(feed.feedLastUpdated, feed.timezone)}`
      : 'No data from this feed yet',
    feed.lastError ? `Last error: ${feed.lastError}` : null,
    feed.stationsStale > 0 ? `${feed.stationsStale} stations not live` : null,
  ]
    .filter(Boolean)
    .join('\n')
  if (age === null) {
    return { tone: 'stale', text: `${name}: no data yet`, title: feed.staleDetail ?? title }
  }
  const stale = feed.stale || age > feed.staleAfterSeconds
  if (stale) {
    return { tone: 'stale', text: `${name}: stale, no update for ${formatDuration(age)}`, title }
  }
  return { tone: 'ok', text: `${name}: updated ${formatDuration(age)} ago`, title }
}

/**
 * The systems whose numbers are not live now, on the page's clock: every feed of theirs is stale
 * (the server's station_freshness() reads a system's freshest feed). A feed that stops answering
 * changes no station, so station flags loaded before it crossed its limit still say live until
 * some later poll is announced, minutes later once the poller backs off; views that count or
 * colour stations treat the stations of these systems as not live meanwhile.
 */
export function staleSystems(feeds: readonly FeedHealth[], now: number): Set<string> {
  const fresh = new Set<string>()
  const stale = new Set<string>()
  for (const feed of feeds) {
    if (feed.systemId === null) continue
    if (describeFreshness(feed, now).tone === 'ok') fresh.add(feed.systemId)
    else stale.add(feed.systemId)
  }
  for (const system of fresh) stale.delete(system)
  return stale
}

const THEME_WORDS: Record<ThemeChoice, string> = {
  system: 'Theme: system',
  light: 'Theme: light',
  dark: 'Theme: dark',
}

export function TopBar({
  status,
  feeds,
  now,
  session,
  theme,
  onTheme,
  onHelp,
  onSignOut,
}: {
  status: AppStatusView
  feeds: Resource<FeedsHealth>
  now: number
  session: Session
  theme: ThemeChoice
  onTheme: () => void
  onHelp: () => void
  onSignOut?: () => void
}) {
  const reachable = status.status?.database.reachable
  const connection =
    status.error !== null
      ? { tone: 'down', text: 'Server unreachable' }
      : reachable === undefined
        ? { tone: 'idle', text: 'Connecting…' }
        : reachable
          ? { tone: 'ok', text: 'Online' }
          : { tone: 'down', text: 'Database offline' }

  return (
    <header className="topbar">
      <div className="topbar-states" aria-live="polite">
        <span
          className={`chip chip-${connection.tone}`}
          title={status.error ?? status.status?.database.detail ?? undefined}
        >
          <span className="dot" aria-hidden="true" />
          {connection.text}
        </span>
        {feeds.error !== null && feeds.data === null ? (
          <span className="chip chip-down" title={feeds.error}>
            <span className="dot" aria-hidden="true" />
            Feed health unavailable
          </span>
        ) : feeds.data && feeds.data.feeds.length === 0 ? (
          <span className="chip chip-idle">
            <span className="dot" aria-hidden="true" />
            No GBFS feed configured
          </span>
        ) : (
          feeds.data?.feeds.map((feed) => {
            const freshness = describeFreshness(feed, now)
            return (
              <span
                key={feed.feedId}
                className={`chip chip-${freshness.tone === 'ok' ? 'ok' : 'warn'}`}
                title={freshness.title}
                data-testid="feed-freshness"
              >
                <span className="dot" aria-hidden="true" />
                {freshness.text}
              </span>
            )
          })
        )}
      </div>
      <div className="topbar-actions">
        <span className="who" title={session.crew_id ? `crew ${session.crew_id}` : undefined}>
          {session.name} <span className="role">{session.role}</span>
        </span>
        <button type="button" className="button button-quiet" onClick={onTheme}>
          {THEME_WORDS[theme]}
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={onHelp}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
        {onSignOut && (
          <button type="button" className="button button-quiet" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </div>
    </header>
  )
}
