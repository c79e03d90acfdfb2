import { useEffect, useMemo } from 'react'
import type { ConsoleClient } from '../api/client'
import { useLatestAnswer } from '../common/useResource'
import type { Device, Pairing, Problem, TaskRelease } from './crew-types'

/**
 * Where the crew app's data reaches the console: one source per kind, each optional (a test page
 * gives its own). `crewSources` below is the one place that wires them to the operations. A view
 * given no source says so and shows nothing made up.
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
   * GET /problems/{problem_id}/photo.json: the photo as an <img> src. A data: URL: the console's
   * CSP allows data: images but not blob:, and the route needs the bearer token an <img> cannot
   * send. Absent: the lists say a photo exists, without a thumbnail.
   */
  photo?(problemId: number): Promise<string>
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
 * The one place the crew app's data is wired: each source calls its operation through the
 * console's client (IPC in the desktop, HTTP in a browser: src/shared/operations/problems.ts and
 * devices.ts). Problems reload on the `problems:changed` live event and after a resync.
 * `photo` reads `problems:photoData` (a data: URL as JSON, so IPC carries it too), not the
 * HTTP-only image bytes.
 */
export function crewSources(client: ConsoleClient): CrewSources {
  return {
    pairing: { create: (crewId) => client.invoke('pairings:create', { crew_id: crewId }) },
    devices: {
      list: () => client.invoke('devices:list'),
      revoke: (deviceId) => client.invoke('devices:revoke', { device_id: deviceId }),
    },
    problems: {
      list: (query) => client.invoke('problems:list', query),
      resolve: (problemId, note) =>
        client.invoke(
          'problems:resolve',
          note === undefined ? { problem_id: problemId } : { problem_id: problemId, note },
        ),
      photo: async (problemId) =>
        (await client.invoke('problems:photoData', { problem_id: problemId })).data_url,
      subscribe: (onChange) => {
        const offChanged = client.on('problems:changed', () => onChange())
        const offResync = client.on('app:resync', () => onChange())
        return () => {
          offChanged()
          offResync()
        }
      },
    },
    releases: {
      forTasks: async (taskIds) =>
        (
          await Promise.all(
            taskIds.map((taskId) => client.invoke('tasks:releases', { task_id: taskId })),
          )
        ).flat(),
    },
  }
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
  const { data, error, loading, run, reload } = useLatestAnswer(load)

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
