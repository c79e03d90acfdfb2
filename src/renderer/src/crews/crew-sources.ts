import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ConsoleClient } from '../api/client'
import { messageOf } from '../common/format'
import type { Device, Pairing, Problem, TaskRelease } from './crew-types'

/**
 * Where the crew app's data reaches the console: one source per kind, each optional. The
 * operations behind them (crew-access's pairings and devices, crew-work's problems and
 * releases) are not console channels yet; `crewSources` below is the one place that wires them.
 * A view given no source says so and shows nothing made up.
 */

export interface PairingSource {
  /** POST /crews/{crew_id}/pairings */
  create(crewId: string): Promise<Pairing>
}

export interface DevicesSource {
  /** GET /crews/devices */
  list(): Promise<Device[]>
  /** POST /crews/devices/{device_id}/revoke: the device, revoked. */
  revoke(deviceId: number): Promise<Device>
}

export type ProblemStatus = 'open' | 'resolved' | 'all'

export interface ProblemQuery {
  status: ProblemStatus
  station_id?: string
}

export interface ProblemsSource {
  /** GET /problems?status=&station_id= */
  list(query: ProblemQuery): Promise<Problem[]>
  /** POST /problems/{problem_id}/resolve */
  resolve(problemId: number, note?: string): Promise<Problem>
  /**
   * GET /problems/{problem_id}/photo as an <img> src. A data: URL: the console's CSP allows
   * data: images but not blob:, and the route needs the bearer token an <img> cannot send.
   */
  photo(problemId: number): Promise<string>
  /** Told of every problem reported or resolved (NOTIFY problems); else the views poll. */
  subscribe?(onChange: () => void): () => void
}

export interface ReleasesSource {
  /** GET /task/{task_id}/releases for each of these tasks, together. */
  forTasks(taskIds: readonly number[]): Promise<TaskRelease[]>
}

export interface CrewSources {
  pairing?: PairingSource
  devices?: DevicesSource
  problems?: ProblemsSource
  releases?: ReleasesSource
}

/**
 * THE WIRING POINT. The console's client has no channels for these operations yet (they wait for
 * the operations framework, branch `ops`); at the merge, return them from here, e.g.
 * `problems: { list: (query) => client.invoke('problems:list', query), … }`. Until then every
 * source is absent and the views say that this server does not offer it.
 */
export function crewSources(_client: ConsoleClient): CrewSources {
  return {}
}

export interface Sourced<T> {
  data: T | null
  error: string | null
  loading: boolean
  /** No source: this server does not offer the data (yet). */
  absent: boolean
  reload: () => void
}

export interface SourcedOptions {
  /** Load again on each change the source announces. */
  subscribe?: ((onChange: () => void) => () => void) | undefined
  /** Load again this often (what no change announces, or a source without `subscribe`). */
  intervalMs?: number
}

/**
 * Data from an optional source: loaded at once, again on its changes and by `reload`; the latest
 * request wins. `load` null: absent, never loading, never failing.
 */
export function useSourced<T>(
  load: (() => Promise<T>) | null,
  { subscribe, intervalMs }: SourcedOptions = {},
): Sourced<T> {
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

  useEffect(() => {
    if (!load) return
    run()
    const off = subscribe?.(reload)
    const timer = intervalMs ? setInterval(reload, intervalMs) : undefined
    return () => {
      off?.()
      clearInterval(timer)
    }
  }, [run, reload, load, subscribe, intervalMs])

  return { data, error, loading: load !== null && loading, absent: load === null, reload }
}

/** Open problems (or those of one station), live when the source announces changes. */
export function useProblems(
  source: ProblemsSource | undefined,
  query: ProblemQuery,
  intervalMs = 60_000,
): Sourced<Problem[]> {
  const { status, station_id } = query
  const load = useMemo(
    () =>
      source
        ? () => source.list(station_id === undefined ? { status } : { status, station_id })
        : null,
    [source, status, station_id],
  )
  const subscribe = useMemo(
    () =>
      source?.subscribe
        ? (onChange: () => void) => source.subscribe?.(onChange) ?? (() => undefined)
        : undefined,
    [source],
  )
  return useSourced(load, { subscribe, intervalMs })
}

/** Every paired device, of every crew. */
export function useDevices(source: DevicesSource | undefined): Sourced<Device[]> {
  const load = useMemo(() => (source ? () => source.list() : null), [source])
  return useSourced(load, { intervalMs: 30_000 })
}
