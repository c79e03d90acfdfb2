import { lazy } from 'react'

/**
 * Every view is its own chunk, fetched when it is first opened: the console's first load carries
 * the frame (navigation, top bar, sign-in) and not Recharts, Leaflet or the import forms.
 * A named export becomes the default `lazy` wants here, so the views' files stay as they are.
 */
export const OverviewView = lazy(() =>
  import('../overview/OverviewView').then((m) => ({ default: m.OverviewView })),
)
export const StationsView = lazy(() =>
  import('../stations/StationsView').then((m) => ({ default: m.StationsView })),
)
export const MapView = lazy(() => import('../map/MapView').then((m) => ({ default: m.MapView })))
export const ServiceView = lazy(() =>
  import('../service/ServiceView').then((m) => ({ default: m.ServiceView })),
)
export const DailyReportView = lazy(() =>
  import('../service/DailyReport').then((m) => ({ default: m.DailyReportView })),
)
export const StationView = lazy(() =>
  import('../station/StationView').then((m) => ({ default: m.StationView })),
)
export const SuggestionsView = lazy(() =>
  import('../suggestions/SuggestionsView').then((m) => ({ default: m.SuggestionsView })),
)
export const TaskBoardView = lazy(() =>
  import('../tasks/TaskBoardView').then((m) => ({ default: m.TaskBoardView })),
)
export const TaskDetailView = lazy(() =>
  import('../tasks/TaskDetailView').then((m) => ({ default: m.TaskDetailView })),
)
export const CrewsView = lazy(() =>
  import('../crews/CrewsView').then((m) => ({ default: m.CrewsView })),
)
export const ProblemsView = lazy(() =>
  import('../problems/ProblemsView').then((m) => ({ default: m.ProblemsView })),
)
export const TripImportView = lazy(() =>
  import('../trips/TripImportView').then((m) => ({ default: m.TripImportView })),
)
export const SettingsView = lazy(() =>
  import('../settings/SettingsView').then((m) => ({ default: m.SettingsView })),
)
export const SystemView = lazy(() =>
  import('../status/SystemView').then((m) => ({ default: m.SystemView })),
)

/**
 * Fetches every view's chunk once the console is idle, so that opening a station (Recharts) or
 * the map (Leaflet) later waits for its data only, not for its code.
 */
export function prefetchViews(): void {
  void Promise.all([
    import('../station/StationView'),
    import('../stations/StationsView'),
    import('../overview/OverviewView'),
    import('../suggestions/SuggestionsView'),
    import('../tasks/TaskBoardView'),
    import('../map/MapView'),
    import('../service/ServiceView'),
  ]).catch(() => undefined)
}
