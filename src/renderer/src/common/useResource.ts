import { useCallback, useEffect, useRef, useState } from 'react'
import type { EventName } from '../../../shared/contract'
import type { ConsoleClient } from '../api/client'
import { messageOf } from './format'

export interface Resource<T> {
  /** The last answer; kept while a reload is under way, so the screen does not flicker. */
  data: T | null
  /** Why the last load failed, in words; cleared by the next answer. */
  error: string | null
  loading: boolean
  reload: () => void
}

export interface ResourceOptions {
  /** Live events after which the data is loaded again (several in a burst: once). */
  events?: readonly EventName[]
  /** Also load again this often, for data no event announces. */
  intervalMs?: number
}

/** Bursts of changes (a batch approval, 64 claims) are folded into one reload. */
const SETTLE_MS = 150

export interface LatestAnswer<T> {
  data: T | null
  error: string | null
  loading: boolean
  /** Load without saying so (the first load, inside an effect). */
  run: () => void
  /** Load and say so (a Retry, a change announced). */
  reload: () => void
  /** An answer heard without asking (a push): kept, and the last failure forgotten. */
  heard: (answer: T) => void
}

/**
 * The answer of `load`, asked for by `run` and `reload`; the latest request wins, so a slow old
 * answer never overwrites a newer one. `load` null: nothing to ask, never loading.
 */
export function useLatestAnswer<T>(load: (() => Promise<T>) | null): LatestAnswer<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(load !== null)
  const latest = useRef(0)

  // No state is set before the answer: the first load runs inside an effect.
  const run = useCallback(() => {
    if (!load) return
    const request = ++latest.current
    load().then(
      (answer) => {
        if (request !== latest.current) return
        setData(answer)
        setError(null)
        setLoading(false)
      },
      (failure: unknown) => {
        if (request !== latest.current) return
        setError(messageOf(failure))
        setLoading(false)
      },
    )
  }, [load])

  const reload = useCallback(() => {
    if (!load) return
    setLoading(true)
    run()
  }, [load, run])

  const heard = useCallback((answer: T) => {
    setData(answer)
    setError(null)
  }, [])

  return { data, error, loading, run, reload, heard }
}

/**
 * Data from one channel, loaded at once, again on the given live events, and by `reload`
 * (a Retry). The latest request wins: a slow old answer never overwrites a newer one.
 */
export function useResource<T>(
  client: ConsoleClient,
  load: () => Promise<T>,
  { events = [], intervalMs }: ResourceOptions = {},
): Resource<T> {
  const { data, error, loading, run, reload } = useLatestAnswer(load)

  const eventKey = events.join(' ')
  useEffect(() => {
    run()
    let timer: ReturnType<typeof setTimeout> | undefined
    const soon = () => {
      clearTimeout(timer)
      timer = setTimeout(reload, SETTLE_MS)
    }
    const offs = eventKey
      ? eventKey.split(' ').map((event) => client.on(event as EventName, soon))
      : []
    const interval = intervalMs ? setInterval(reload, intervalMs) : undefined
    return () => {
      clearTimeout(timer)
      clearInterval(interval)
      for (const off of offs) off()
    }
  }, [client, run, reload, eventKey, intervalMs])

  return { data, error, loading, reload }
}
