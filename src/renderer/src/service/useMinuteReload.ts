import { useEffect, useRef } from 'react'
import type { ConsoleClient } from '../api/client'

/** Service figures are sums over hours of polls: a minute's polls barely move them. */
export const LIVE_RELOAD_MS = 60_000

/**
 * While `live` (the days shown include one still running), reloads after a poll is announced,
 * at most once a minute: every poll would recount a week of 500 stations for a change of
 * minutes. `since` names what is shown; a new one counts as just loaded. Polls of another
 * system than `systemId` (when known) change nothing here.
 */
export function useMinuteReload(
  client: ConsoleClient,
  live: boolean,
  reload: () => void,
  since: string,
  systemId: string | null = null,
): void {
  const current = useRef(reload)
  const loadedAt = useRef(0)
  useEffect(() => {
    current.current = reload
  })
  useEffect(() => {
    loadedAt.current = Date.now()
  }, [since])
  useEffect(() => {
    if (!live) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const soon = () => {
      if (timer !== undefined) return
      const wait = Math.max(0, loadedAt.current + LIVE_RELOAD_MS - Date.now())
      timer = setTimeout(() => {
        timer = undefined
        loadedAt.current = Date.now()
        current.current()
      }, wait)
    }
    const offs = [
      client.on('stations:changed', (poll) => {
        if (systemId === null || poll.systemId === null || poll.systemId === systemId) soon()
      }),
      client.on('app:resync', soon),
    ]
    return () => {
      clearTimeout(timer)
      for (const off of offs) off()
    }
  }, [client, live, systemId])
}
