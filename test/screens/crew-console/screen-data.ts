import type { CrewSources } from '../../../src/renderer/src/crews/crew-sources'
import type {
  CrewWithWork,
  Device,
  Problem,
  TaskRelease,
} from '../../../src/renderer/src/crews/crew-types'
import type { Session, Task } from '../../../src/shared/dispatch'
import type { StationLive } from '../../../src/shared/feeds'
import { appStatus } from '../../helpers/app-status'
import { feedHealth } from '../../helpers/feed-health'

/** Made-up data for the screenshot page: a morning at a Bay Wheels depot. */

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()
const ahead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString()

export const DISPATCHER: Session = {
  name: 'console',
  role: 'dispatcher',
  crew_id: null,
  token_id: null,
}

function station(
  id: string,
  name: string,
  lat: number,
  lon: number,
  bikes: number,
  docks: number,
): StationLive {
  return {
    systemId: 'bay_wheels',
    stationId: id,
    name,
    shortName: `SF-${id}`,
    capacity: bikes + docks,
    lat,
    lon,
    bikes,
    ebikes: 1,
    docks,
    isInstalled: true,
    isRenting: true,
    isReturning: true,
    lastReported: ago(1),
    observedAt: ago(0.5),
    stale: false,
    staleReason: null,
    staleDetail: null,
    bikesDisabled: 0,
    docksDisabled: id === 'B' ? 2 : 0,
    score: (bikes <= 2 ? 70 : 0) + (docks <= 2 ? 30 : 0),
    regionId: null,
    systemName: 'Bay Wheels',
    timeZone: 'America/Los_Angeles',
  }
}

const STATIONS: StationLive[] = [
  station('A', 'Market St at 4th St', 37.7857, -122.4051, 0, 19),
  station('B', 'Folsom St at 9th St', 37.7737, -122.4113, 9, 6),
  station('C', 'Townsend St at 7th St', 37.7707, -122.4027, 18, 1),
  station('D', 'Valencia St at 16th St', 37.765, -122.4219, 9, 10),
  station('E', 'Howard St at 2nd St', 37.7865, -122.3982, 2, 13),
  station('F', 'Ferry Building', 37.7955, -122.3937, 11, 12),
  station('G', 'Mission Dolores Park', 37.7614, -122.4264, 3, 16),
  station('H', 'Caltrain Station 2', 37.7766, -122.3955, 22, 0),
  station('I', 'Powell St BART', 37.7844, -122.4079, 7, 12),
  station('J', 'Civic Center BART', 37.7795, -122.4138, 14, 5),
  station('K', 'Embarcadero at Sansome', 37.8047, -122.4032, 5, 18),
  station('L', '24th St at Mission', 37.7522, -122.4184, 1, 17),
]

function task(id: number, rest: Partial<Task & { qty_picked: number | null }>): Task {
  return {
    id,
    from_station_id: 'C',
    to_station_id: 'A',
    qty: 5,
    reason: 'Market St at 4th St is empty; Townsend St at 7th St is nearly full',
    status: 'ready',
    worker_id: null,
    created_at: ago(25),
    system_id: 'bay_wheels',
    priority: 70,
    qty_moved: null,
    note: null,
    suggestion_id: null,
    assigned_at: null,
    completed_at: null,
    canceled_at: null,
    updated_at: ago(20),
    lease_expires_at: null,
    stale: false,
    for_crew: null,
    ...rest,
  }
}

const TASKS: Task[] = [
  task(44, { from_station_id: 'H', to_station_id: 'L', qty: 10, priority: 90 }),
  task(45, { from_station_id: 'C', to_station_id: 'G', qty: 6, created_at: ago(12) }),
  task(42, {
    status: 'assigned',
    worker_id: 'van-3',
    assigned_at: ago(14),
    from_station_id: 'C',
    to_station_id: 'A',
    qty: 8,
    qty_picked: 8,
  }),
  task(43, {
    status: 'assigned',
    worker_id: 'van-5',
    assigned_at: ago(40),
    from_station_id: 'H',
    to_station_id: 'E',
    qty: 12,
    stale: true,
    lease_expires_at: ago(10),
  }),
  task(38, {
    status: 'completed',
    worker_id: 'van-3',
    qty: 10,
    qty_moved: 7,
    completed_at: ago(35),
    from_station_id: 'B',
    to_station_id: 'A',
    note: 'only 9 at Folsom, 2 docks broken',
  }),
  task(37, {
    status: 'completed',
    worker_id: 'van-5',
    qty: 6,
    qty_moved: 6,
    completed_at: ago(62),
    from_station_id: 'C',
    to_station_id: 'D',
  }),
  task(36, {
    status: 'canceled',
    qty: 4,
    canceled_at: ago(90),
    note: 'canceled from the console',
    from_station_id: 'J',
    to_station_id: 'G',
  }),
]

const CREWS: CrewWithWork[] = [
  {
    crew_id: 'van-3',
    name: 'Van 3',
    van_capacity: 12,
    last_seen_at: ago(0.7),
    last_position: { lat: 37.7722, lon: -122.4045 },
    health: 'Healthy',
    assigned_tasks: 1,
    active_tokens: 1,
    shift: {
      shift_id: 7,
      crew_id: 'van-3',
      ended_at: null,
      started_at: ago(150),
      van_capacity: 12,
      bikes_on_board: 8,
      bikes_moved: 17,
    },
    task_id: 42,
    bikes_moved_today: 17,
  },
  {
    crew_id: 'van-5',
    name: 'Van 5',
    van_capacity: 16,
    last_seen_at: ago(22),
    last_position: { lat: 37.7801, lon: -122.3975 },
    health: 'Critical',
    assigned_tasks: 1,
    active_tokens: 1,
    shift: {
      shift_id: 8,
      crew_id: 'van-5',
      ended_at: null,
      started_at: ago(200),
      van_capacity: 16,
      bikes_on_board: 0,
      bikes_moved: 31,
    },
    task_id: 43,
    bikes_moved_today: 31,
  },
  {
    crew_id: 'van-7',
    name: 'Van 7',
    van_capacity: 10,
    last_seen_at: null,
    last_position: null,
    health: 'Never seen',
    assigned_tasks: 0,
    active_tokens: 0,
    shift: null,
    task_id: null,
    bikes_moved_today: 0,
  },
]

const DEVICES: Device[] = [
  {
    device_id: 1,
    crew_id: 'van-3',
    name: 'Pixel 7 (Ana)',
    paired_at: ago(60 * 24 * 3),
    last_contact_at: ago(0.7),
    revoked_at: null,
  },
  {
    device_id: 2,
    crew_id: 'van-5',
    name: 'Galaxy A54',
    paired_at: ago(60 * 26),
    last_contact_at: ago(22),
    revoked_at: null,
  },
  {
    device_id: 3,
    crew_id: 'van-3',
    name: 'Old iPhone SE',
    paired_at: ago(60 * 24 * 20),
    last_contact_at: ago(60 * 24 * 4),
    revoked_at: ago(60 * 24 * 3),
  },
]

/** A stand-in for a crew's photo: a broken dock, drawn, not taken. */
const PHOTO = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300"><rect width="400" height="300" fill="#7a8791"/><rect y="210" width="400" height="90" fill="#4d565e"/><rect x="60" y="70" width="60" height="150" rx="8" fill="#d9dde1"/><rect x="170" y="70" width="60" height="150" rx="8" fill="#d9dde1"/><rect x="280" y="70" width="60" height="150" rx="8" fill="#d9dde1"/><path d="M185 90l30 40-25 10 28 50" stroke="#c9302c" stroke-width="6" fill="none"/><circle cx="90" cy="95" r="10" fill="#1f883d"/><circle cx="200" cy="95" r="10" fill="#c9302c"/><circle cx="310" cy="95" r="10" fill="#1f883d"/></svg>',
)}`

const PROBLEMS: Problem[] = [
  {
    problem_id: 12,
    system_id: 'bay_wheels',
    station_id: 'B',
    station_name: 'Folsom St at 9th St',
    kind: 'broken_docks',
    note: 'Docks 4 and 5 do not lock; only 9 bikes here',
    has_photo: true,
    reported_by: 'Pixel 7 (Ana)',
    crew_id: 'van-3',
    created_at: ago(33),
    resolved_at: null,
    resolved_by: null,
    resolution_note: null,
  },
  {
    problem_id: 13,
    system_id: 'bay_wheels',
    station_id: 'H',
    station_name: 'Caltrain Station 2',
    kind: 'station_offline',
    note: 'Kiosk dark, app says station closed',
    has_photo: false,
    reported_by: 'Galaxy A54',
    crew_id: 'van-5',
    created_at: ago(48),
    resolved_at: null,
    resolved_by: null,
    resolution_note: null,
  },
  {
    problem_id: 11,
    system_id: 'bay_wheels',
    station_id: 'G',
    station_name: 'Mission Dolores Park',
    kind: 'vandalism',
    note: null,
    has_photo: true,
    reported_by: 'Pixel 7 (Ana)',
    crew_id: 'van-3',
    created_at: ago(140),
    resolved_at: null,
    resolved_by: null,
    resolution_note: null,
  },
]

const RELEASES: TaskRelease[] = [
  {
    task_id: 44,
    crew_id: 'van-5',
    at: ago(18),
    reason_code: 'fewer_bikes',
    reason: 'only 9 at Caltrain, 3 disabled',
    released_by: 'Galaxy A54',
  },
  {
    task_id: 45,
    crew_id: 'van-3',
    at: ago(6),
    reason_code: 'station_blocked',
    reason: 'station blocked',
    released_by: 'Pixel 7 (Ana)',
  },
]

type Answer = (request: unknown) => unknown
export const CHANNELS: Record<string, Answer> = {
  'app:status': () => appStatus(true, {}, { checkedAt: new Date().toISOString() }),
  'session:me': () => DISPATCHER,
  'feeds:health': () => ({
    leader: 'depot:1',
    pollingHere: true,
    feeds: [feedHealth(Date.now(), { stationCount: 12 })],
    stale: false,
    checkedAt: new Date().toISOString(),
  }),
  'feeds:stations': (request) => {
    const { stationId } = (request ?? {}) as { stationId?: string }
    return stationId ? STATIONS.filter((s) => s.stationId === stationId) : STATIONS
  },
  'tasks:list': (request) => {
    const { status } = (request ?? {}) as { status?: string }
    return { tasks: TASKS.filter((t) => !status || t.status === status), next_cursor: null }
  },
  'tasks:summary': () => ({
    byStatus: { ready: 2, assigned: 2, completed: 2, canceled: 1 },
    stale: 1,
  }),
  'suggestions:list': () => [],
  'crews:list': () => CREWS,
  'tokens:list': () => [],
  'flows:profile': () => {
    throw new Error('no imported trips for bay_wheels')
  },
}

export const SOURCES: CrewSources = {
  pairing: {
    create: () =>
      Promise.resolve({
        code: 'K7QX3MPR9A',
        url: 'https://192.168.1.20:8443/crew/#pair=K7QX3MPR9A',
        expires_at: ahead(10),
        server_url: 'https://192.168.1.20:8443',
        tls_fingerprint:
          '3F:A1:09:5C:77:E2:4B:D0:11:8A:6F:2E:C3:94:5B:70:AD:12:E8:36:9F:04:BB:C5:61:7D:28:E9:F3:40:8C:D6',
        warning:
          'Phones reach this server only on the depot VPN (10.8.0.0/24): connect the phone to it first.',
      }),
  },
  devices: {
    list: () => Promise.resolve(DEVICES),
    revoke: (id) =>
      Promise.resolve({
        ...(DEVICES.find((d) => d.device_id === id) as Device),
        revoked_at: new Date().toISOString(),
      }),
  },
  problems: {
    list: ({ status, station_id }) =>
      Promise.resolve(
        PROBLEMS.filter(
          (p) => status !== 'resolved' && (!station_id || p.station_id === station_id),
        ),
      ),
    resolve: (id) =>
      Promise.resolve({
        ...(PROBLEMS.find((p) => p.problem_id === id) as Problem),
        resolved_at: new Date().toISOString(),
        resolved_by: 'console',
      }),
    photo: () => Promise.resolve(PHOTO),
  },
  releases: { forTasks: (ids) => Promise.resolve(RELEASES.filter((r) => ids.includes(r.task_id))) },
}
