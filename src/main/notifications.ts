import type { ChangeSource } from './live-events.js'
import { CONSOLE_ACTOR } from '../server/auth/actor.js'
import type { Logger } from '../server/logger.js'
import type { Services } from '../server/services.js'
import { createNotifier, type Notice } from '../shared/notifications.js'

/** How often stale leases are looked for: a lease runs out without any event announcing it. */
export const STALE_CHECK_MS = 60_000

export interface DesktopNotificationDeps {
  /** The server's notify hub: every poll and task change on the shared database. */
  source: ChangeSource
  services: Pick<Services, 'feeds' | 'dispatch' | 'settings'>
  /** Shows one notice (main's `Notification`; tests collect them). */
  show(notice: Notice): void
  logger: Pick<Logger, 'warn'>
  staleCheckMs?: number
  now?: () => Date
}

/**
 * Desktop notifications from main, fed by the live events: after each poll the stations are read
 * and after each task change (and every minute) the stale tasks, and the pure notifier decides.
 * The settings file says whether to show them and in which hours, read at each decision so the
 * Settings page applies at once. Returns the stop function.
 */
export function startDesktopNotifications(deps: DesktopNotificationDeps): () => void {
  const now = deps.now ?? (() => new Date())
  let hours = { start: '06:00', end: '22:00' }
  let timeZone: string | null = null
  const notifier = createNotifier({ serviceHours: () => hours, timeZone: () => timeZone })
  let busy: Promise<void> = Promise.resolve()

  /** One check at a time, in order: two polls in a row must not race over the stations' states. */
  function queue(check: () => Promise<Notice[]>): Promise<void> {
    busy = busy
      .then(async () => {
        const settings = await deps.services.settings.get().catch(() => null)
        if (settings) hours = settings.serviceHours
        const notices = await check()
        if (settings?.notifications === false) return
        for (const notice of notices) deps.show(notice)
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'notifications: check failed'))
    return busy
  }

  const checkStations = () =>
    queue(async () => {
      const health = await deps.services.feeds.health()
      timeZone = health.feeds.find((feed) => feed.timezone)?.timezone ?? null
      return notifier.stations(await deps.services.feeds.stations({}), now())
    })
  const checkTasks = () =>
    queue(async () => {
      const page = await deps.services.dispatch.listTasks(
        { status: 'assigned', stale: true, limit: 200 },
        CONSOLE_ACTOR,
      )
      return notifier.staleTasks(page.tasks, now())
    })

  // What is normal now, so the first poll after start tells only what changes.
  void checkStations()
  void checkTasks()
  const unsubscribe = deps.source.subscribe(({ channel }) => {
    if (channel === 'station_status') void checkStations()
    else if (channel === 'tasks') void checkTasks()
  })
  const timer = setInterval(() => void checkTasks(), deps.staleCheckMs ?? STALE_CHECK_MS)
  timer.unref()
  return () => {
    clearInterval(timer)
    unsubscribe()
  }
}
