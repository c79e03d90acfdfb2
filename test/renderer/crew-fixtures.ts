import { vi } from 'vitest'
import type { CrewSources } from '../../src/renderer/src/crews/crew-sources'
import type {
  CrewWithWork,
  Device,
  Pairing,
  Problem,
  TaskRelease,
} from '../../src/renderer/src/crews/crew-types'
import { crew, minutesAgo } from './fake-console'

/** A crew as `GET /crews` lists it once crew-work is in. */
const workingCrew = (id: string, rest: Partial<CrewWithWork>): CrewWithWork => ({
  ...crew(id),
  ...rest,
})

/** The crew app's data as the console's sources would answer it (tests and the screenshot page). */

export const minutesAhead = (minutes: number) =>
  new Date(Date.now() + minutes * 60_000).toISOString()

export function pairing(rest: Partial<Pairing> = {}): Pairing {
  return {
    code: 'K7QX3MPR9A',
    url: 'https://192.168.1.20:8443/crew/#pair=K7QX3MPR9A',
    expires_at: minutesAhead(10),
    server_url: 'https://192.168.1.20:8443',
    tls_fingerprint:
      '3F:A1:09:5C:77:E2:4B:D0:11:8A:6F:2E:C3:94:5B:70:AD:12:E8:36:9F:04:BB:C5:61:7D:28:E9:F3:40:8C:D6',
    warning: null,
    ...rest,
  }
}

export function device(id: number, crewId: string, rest: Partial<Device> = {}): Device {
  return {
    device_id: id,
    crew_id: crewId,
    name: `Phone ${id}`,
    paired_at: minutesAgo(180),
    last_contact_at: minutesAgo(1),
    revoked_at: null,
    ...rest,
  }
}

export function problem(id: number, rest: Partial<Problem> = {}): Problem {
  return {
    problem_id: id,
    system_id: 'bay_wheels',
    station_id: 'B',
    station_name: 'Townsend St at 7th St',
    kind: 'broken_docks',
    note: 'Docks 4 and 5 do not lock',
    has_photo: false,
    reported_by: 'Van 3 phone',
    crew_id: 'van-3',
    created_at: minutesAgo(12),
    resolved_at: null,
    resolved_by: null,
    resolution_note: null,
    ...rest,
  }
}

export function release(taskId: number, rest: Partial<TaskRelease> = {}): TaskRelease {
  return {
    task_id: taskId,
    crew_id: 'van-3',
    at: minutesAgo(8),
    reason_code: 'fewer_bikes',
    reason: 'only 9 at Folsom',
    released_by: 'Van 3 phone',
    ...rest,
  }
}

/** Crews as a server with crew-work lists them: one on shift with a task, one quiet, one off. */
export function workingCrews(): CrewWithWork[] {
  return [
    workingCrew('van-3', {
      name: 'Van 3',
      last_seen_at: minutesAgo(1),
      last_position: { lat: 37.776, lon: -122.395 },
      assigned_tasks: 1,
      shift: {
        shift_id: 7,
        crew_id: 'van-3',
        ended_at: null,
        started_at: minutesAgo(150),
        van_capacity: 12,
        bikes_on_board: 4,
        bikes_moved: 18,
      },
      task_id: 42,
      bikes_moved_today: 18,
    }),
    workingCrew('van-5', {
      name: 'Van 5',
      health: 'Critical',
      last_seen_at: minutesAgo(22),
      last_position: { lat: 37.765, lon: -122.42 },
      assigned_tasks: 1,
      shift: {
        shift_id: 8,
        crew_id: 'van-5',
        ended_at: null,
        started_at: minutesAgo(200),
        van_capacity: 16,
        bikes_on_board: 0,
        bikes_moved: 31,
      },
      task_id: 43,
      bikes_moved_today: 31,
    }),
    workingCrew('van-7', {
      name: 'Van 7',
      health: 'Never seen',
      last_seen_at: null,
      assigned_tasks: 0,
      shift: null,
      task_id: null,
      bikes_moved_today: 0,
    }),
  ]
}

/** Every source, answering from memory, with spies to look at what was asked. */
export function fakeSources({
  devices = [
    device(1, 'van-3', { name: 'Pixel 7' }),
    device(2, 'van-5', { name: 'Galaxy A54', last_contact_at: minutesAgo(22) }),
  ],
  problems = [problem(1)],
  releases = [] as TaskRelease[],
  made = pairing(),
  photo = 'data:image/svg+xml;charset=utf-8,%3Csvg xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E',
}: {
  devices?: Device[]
  problems?: Problem[]
  releases?: TaskRelease[]
  made?: Pairing
  photo?: string
} = {}) {
  let listeners: (() => void)[] = []
  const sources = {
    pairing: { create: vi.fn((_crewId: string) => Promise.resolve(made)) },
    devices: {
      list: vi.fn(() => Promise.resolve(devices)),
      revoke: vi.fn((id: number) => {
        const found = devices.find((d) => d.device_id === id)
        if (!found) return Promise.reject(new Error(`no device ${id}`))
        return Promise.resolve({ ...found, revoked_at: new Date().toISOString() })
      }),
    },
    problems: {
      list: vi.fn(({ status, station_id }: { status: string; station_id?: string }) =>
        Promise.resolve(
          problems.filter(
            (p) =>
              (status === 'all' || (status === 'open') === (p.resolved_at === null)) &&
              (station_id === undefined || p.station_id === station_id),
          ),
        ),
      ),
      resolve: vi.fn((id: number, note?: string) => {
        const found = problems.find((p) => p.problem_id === id)
        if (!found) return Promise.reject(new Error(`no problem ${id}`))
        return Promise.resolve({
          ...found,
          resolved_at: new Date().toISOString(),
          resolved_by: 'console',
          resolution_note: note ?? null,
        })
      }),
      photo: vi.fn((_id: number) => Promise.resolve(photo)),
      subscribe: vi.fn((listener: () => void) => {
        listeners.push(listener)
        return () => {
          listeners = listeners.filter((l) => l !== listener)
        }
      }),
    },
    releases: {
      forTasks: vi.fn((ids: readonly number[]) =>
        Promise.resolve(releases.filter((r) => ids.includes(r.task_id))),
      ),
    },
  } satisfies Required<CrewSources>
  /** Tells the views a problem was reported or resolved (the source's NOTIFY). */
  const announce = () => {
    for (const listener of listeners) listener()
  }
  return { sources, announce, problems, devices }
}
