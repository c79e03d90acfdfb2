import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { Session } from '../../../shared/dispatch'
import { APP_NAME, APP_VERSION } from '../../../shared/version'
import type { ConsoleClient } from '../api/client'
import { Loading } from '../common/states'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { ViewBoundary } from '../common/ViewBoundary'
import { crewSources, type CrewSources } from '../crews/crew-sources'
import { useBrowserNotifications } from '../notifications/browser-notifications'
import { useProblemNotifications } from '../notifications/problem-notifications'
import { useAppStatus } from '../status/useAppStatus'
import { HelpOverlay } from './HelpOverlay'
import {
  CrewsView,
  DailyReportView,
  MapView,
  OverviewView,
  ProblemsView,
  ServiceView,
  SettingsView,
  StationsView,
  StationView,
  SuggestionsView,
  SystemView,
  TaskBoardView,
  TaskDetailView,
  TripImportView,
  prefetchViews,
} from './lazy-views'
import { Logo } from './Logo'
import { numberKey, useHashRoute, viewsFor, type ViewId } from './routes'
import { useKeys, type KeyMap } from './shortcuts'
import { useTheme } from './theme'
import { TopBar } from './TopBar'
import type { ViewProps } from './view-props'

/** How long after `g` the next key still counts as part of the shortcut. */
const CHORD_MS = 1_500

/** The console's frame: navigation, the top bar's states, routing and the global shortcuts. */
export function Shell({
  client,
  session,
  onSignOut,
  sources: given,
}: {
  client: ConsoleClient
  session: Session
  onSignOut?: () => void
  /** The crew app's data; by default what `crewSources` wires (a test page gives its own). */
  sources?: CrewSources
}) {
  const views = viewsFor(session.role)
  const [route, go] = useHashRoute(views)
  const view = route.view
  // A station's page belongs to the Stations view in the navigation, a daily report to Service.
  const navView: ViewId =
    view === 'station'
      ? 'stations'
      : view === 'report'
        ? 'service'
        : view === 'task'
          ? 'tasks'
          : view
  const [theme, nextTheme] = useTheme()
  const [help, setHelp] = useState(false)
  const now = useNow()
  const status = useAppStatus(client)
  const loadFeeds = useCallback(() => client.invoke('feeds:health'), [client])
  // Polls announce themselves; the interval also catches a feed that has stopped being polled.
  const feeds = useResource(client, loadFeeds, {
    events: ['stations:changed', 'app:resync'],
    intervalMs: 30_000,
  })
  const timeZone = feeds.data?.feeds.find((feed) => feed.timezone)?.timezone ?? null
  useBrowserNotifications(client, session, timeZone)
  // The crew app's data (pairing, phones, problems, give-backs): wired in crewSources alone.
  const sources = useMemo(() => given ?? crewSources(client), [given, client])
  useProblemNotifications(sources.problems, session)

  const chord = useRef(0)
  const keys: KeyMap = {
    '?': () => setHelp(true),
    g: (event) => {
      chord.current = event.timeStamp
    },
  }
  views.forEach((info, i) => {
    const key = numberKey(i)
    if (key) keys[key] = () => go(info.id)
  })
  for (const info of views) {
    const existing = keys[info.key]
    keys[info.key] = (event) => {
      if (chord.current > 0 && event.timeStamp - chord.current < CHORD_MS) {
        chord.current = 0
        go(info.id)
        return true
      }
      return existing ? existing(event) : false
    }
  }
  // Heard first, so `g c` goes to Crews from Stations; with no `g` pending, the letter is the
  // view's own (c: only critical stations).
  useKeys(keys, !help, { first: true })

  // The other views' code, fetched while nobody waits for it (./lazy-views.tsx).
  useEffect(() => {
    const timer = setTimeout(prefetchViews, 1_000)
    return () => clearTimeout(timer)
  }, [])

  const closeHelp = useCallback(() => setHelp(false), [])
  const props: ViewProps = { client, session, timeZone, keysEnabled: !help }
  const content: Record<ViewId, () => React.JSX.Element> = {
    overview: () => <OverviewView {...props} feeds={feeds} />,
    stations: () => <StationsView {...props} />,
    map: () => <MapView {...props} />,
    service: () => <ServiceView {...props} query={route.query} feeds={feeds} />,
    report: () =>
      route.report ? (
        <DailyReportView {...props} report={route.report} query={route.query} />
      ) : (
        <ServiceView {...props} query={route.query} feeds={feeds} />
      ),
    station: () =>
      route.station ? (
        <StationView {...props} station={route.station} sources={sources} />
      ) : (
        <StationsView {...props} />
      ),
    suggestions: () => <SuggestionsView {...props} />,
    tasks: () => <TaskBoardView {...props} sources={sources} />,
    task: () =>
      route.task !== null ? (
        <TaskDetailView {...props} taskId={route.task} />
      ) : (
        <TaskBoardView {...props} sources={sources} />
      ),
    crews: () => <CrewsView {...props} sources={sources} />,
    problems: () => <ProblemsView {...props} sources={sources} />,
    import: () => <TripImportView {...props} />,
    settings: () => <SettingsView {...props} />,
    system: () => <SystemView status={status} client={props.client} />,
  }

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Views">
        <div className="brand">
          <Logo />
          <div className="brand-text">
            <span className="brand-name">{APP_NAME}</span>
            <span className="version">v{APP_VERSION}</span>
          </div>
        </div>
        <ul className="nav">
          {views.map((info, i) => (
            <li key={info.id}>
              <a
                href={`#/${info.id}`}
                className={navView === info.id ? 'nav-link nav-link-active' : 'nav-link'}
                aria-current={navView === info.id ? 'page' : undefined}
              >
                <span>{info.label}</span>
                {numberKey(i) && (
                  <kbd className="nav-key" title={`g ${info.key}`}>
                    {numberKey(i)}
                  </kbd>
                )}
              </a>
            </li>
          ))}
        </ul>
        {session.role === 'analyst' && (
          <p className="sidebar-note">Read-only: an analyst token can look, not change.</p>
        )}
      </nav>
      <div className="main">
        <TopBar
          status={status}
          feeds={feeds}
          now={now}
          session={session}
          theme={theme}
          onTheme={nextTheme}
          onHelp={() => setHelp(true)}
          onSignOut={onSignOut}
        />
        <main
          className={view === 'stations' || view === 'map' ? 'content content-fill' : 'content'}
          key={
            route.station
              ? `station ${route.station.systemId} ${route.station.stationId}`
              : route.task !== null
                ? `task ${route.task}`
                : view
          }
        >
          {/* Each view is its own chunk (./lazy-views.tsx) and fails alone (ViewBoundary). */}
          <ViewBoundary name={views.find((info) => info.id === navView)?.label ?? 'this'}>
            <Suspense fallback={<Loading what="the view" />}>{content[view]()}</Suspense>
          </ViewBoundary>
        </main>
      </div>
      {help && <HelpOverlay views={views} onClose={closeHelp} />}
    </div>
  )
}
