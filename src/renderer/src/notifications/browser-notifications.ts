import { useEffect, useState } from 'react'
import type { Session } from '../../../shared/dispatch'
import { createNotifier } from '../../../shared/notifications'
import { DEFAULT_SERVICE_HOURS, type ServiceHours } from '../../../shared/settings'
import type { ConsoleClient } from '../api/client'

/** Where a browser remembers that its dispatcher opted in (Settings page). */
export const NOTIFY_KEY = 'balancer.notifications'
const CHANGED = 'balancer-notifications-changed'

export type BrowserNotifyState = 'unsupported' | 'default' | 'denied' | 'off' | 'on'

function permission(): NotificationPermission | null {
  return typeof Notification === 'undefined' ? null : Notification.permission
}

/** Whether this browser shows the console's notifications, and why not. */
export function browserNotifyState(storage: Storage = window.localStorage): BrowserNotifyState {
  const granted = permission()
  if (granted === null) return 'unsupported'
  if (granted === 'denied') return 'denied'
  if (granted === 'default') return 'default'
  return storage.getItem(NOTIFY_KEY) === 'on' ? 'on' : 'off'
}

/** Asks the browser's permission if needed, then turns the console's notifications on. */
export async function turnOnBrowserNotifications(): Promise<BrowserNotifyState> {
  if (permission() === null) return 'unsupported'
  if (Notification.permission === 'default') await Notification.requestPermission()
  if (Notification.permission === 'granted') window.localStorage.setItem(NOTIFY_KEY, 'on')
  window.dispatchEvent(new Event(CHANGED))
  return browserNotifyState()
}

export function turnOffBrowserNotifications(): void {
  window.localStorage.setItem(NOTIFY_KEY, 'off')
  window.dispatchEvent(new Event(CHANGED))
}

export function useBrowserNotifyState(): BrowserNotifyState {
  const [state, setState] = useState(browserNotifyState)
  useEffect(() => {
    const update = () => setState(browserNotifyState())
    window.addEventListener(CHANGED, update)
    window.addEventListener('storage', update)
    return () => {
      window.removeEventListener(CHANGED, update)
      window.removeEventListener('storage', update)
    }
  }, [])
  return state
}

/** How often stale leases are looked for: a lease runs out without an event announcing it. */
const STALE_CHECK_MS = 60_000

/**
 * In a browser whose dispatcher opted in: the same notifier as the desktop's, fed by the page's
 * live events, shown with the Web Notifications API while the console is open. The desktop app
 * shows its own from main, so this stays off there.
 */
export function useBrowserNotifications(
  client: ConsoleClient,
  session: Session,
  timeZone: string | null,
  desktop = window.balancer !== undefined,
): void {
  const state = useBrowserNotifyState()
  const active = !desktop && session.role === 'dispatcher' && state === 'on'
  useEffect(() => {
    if (!active) return
    let hours: ServiceHours = DEFAULT_SERVICE_HOURS
    client.invoke('settings:get').then(
      (settings) => (hours = settings.serviceHours),
      () => undefined,
    )
    const notifier = createNotifier({ serviceHours: () => hours, timeZone: () => timeZone })
    const show = (notices: { title: string; body: string; tag: string }[]) => {
      for (const notice of notices)
        new Notification(notice.title, { body: notice.body, tag: notice.tag })
    }
    const stations = () =>
      client.invoke('feeds:stations', {}).then(
        (list) => show(notifier.stations(list)),
        () => undefined,
      )
    const tasks = () =>
      client.invoke('tasks:list', { status: 'assigned', stale: true, limit: 200 }).then(
        (page) => show(notifier.staleTasks(page.tasks)),
        () => undefined,
      )
    void stations()
    void tasks()
    const offs = [
      client.on('stations:changed', () => void stations()),
      client.on('tasks:changed', () => void tasks()),
    ]
    const timer = setInterval(() => void tasks(), STALE_CHECK_MS)
    return () => {
      clearInterval(timer)
      for (const off of offs) off()
    }
  }, [active, client, timeZone])
}
