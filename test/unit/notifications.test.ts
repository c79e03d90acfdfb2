import { describe, expect, it, vi } from 'vitest'
import type { Task } from '../../src/shared/dispatch.js'
import type { StationLive } from '../../src/shared/feeds.js'
import { createNotifier, withinServiceHours, type Notice } from '../../src/shared/notifications.js'
import { startDesktopNotifications } from '../../src/main/notifications.js'
import type { ChangeListener } from '../../src/server/events/notify-hub.js'
import type { Services } from '../../src/server/services.js'

const ZONE = 'America/Los_Angeles'
/** 10:00 and 03:00 in San Francisco (summer time, UTC-7). */
const MORNING = new Date('2025-06-03T17:00:00Z')
const NIGHT = new Date('2025-06-03T10:00:00Z')

function station(id: string, bikes: number, docks: number, rest: Partial<StationLive> = {}) {
  return {
    systemId: 'bay_wheels',
    stationId: id,
    name: `Station ${id}`,
    shortName: null,
    capacity: bikes + docks,
    lat: 37.77,
    lon: -122.41,
    bikes,
    ebikes: 0,
    docks,
    isInstalled: true,
    isRenting: true,
    isReturning: true,
    lastReported: null,
    observedAt: null,
    stale: false,
    staleReason: null,
    staleDetail: null,
    bikesDisabled: 0,
    docksDisabled: 0,
    score: null,
    regionId: null,
    systemName: 'Bay Wheels',
    timeZone: 'America/Los_Angeles',
    ...rest,
  } satisfies StationLive
}

function task(id: number): Task {
  return {
    id,
    from_station_id: 'B',
    to_station_id: 'A',
    qty: 4,
    reason: null,
    status: 'assigned',
    worker_id: 'van-3',
    created_at: '',
    system_id: 'bay_wheels',
    priority: 0,
    qty_moved: null,
    note: null,
    suggestion_id: null,
    assigned_at: null,
    completed_at: null,
    canceled_at: null,
    updated_at: '',
    lease_expires_at: null,
    stale: true,
    for_crew: null,
  }
}

const notifier = () =>
  createNotifier({
    serviceHours: () => ({ start: '06:00', end: '22:00' }),
    timeZone: () => ZONE,
  })

describe('which changes become notifications', () => {
  it('tells a station becoming empty or full once, not the stations that already were', () => {
    const n = notifier()
    expect(
      n.stations([station('A', 0, 10), station('B', 5, 5), station('C', 5, 5)], MORNING),
    ).toEqual([])
    const notices = n.stations(
      [station('A', 0, 10), station('B', 0, 10), station('C', 10, 0)],
      MORNING,
    )
    expect(notices.map((notice) => [notice.kind, notice.title])).toEqual([
      ['empty', 'Station B is empty'],
      ['full', 'Station C is full'],
    ])
    // Still empty and full on the next poll: nothing new to say.
    expect(
      n.stations([station('A', 0, 10), station('B', 0, 10), station('C', 10, 0)], MORNING),
    ).toEqual([])
    // Back to normal, then empty again: that is news again.
    n.stations([station('B', 3, 7)], MORNING)
    expect(n.stations([station('B', 0, 10)], MORNING).map((notice) => notice.title)).toEqual([
      'Station B is empty',
    ])
  })

  it('folds many stations changing in one poll into one notice', () => {
    const n = notifier()
    const ids = Array.from({ length: 12 }, (_, i) => `S${i}`)
    n.stations(
      ids.map((id) => station(id, 4, 4)),
      MORNING,
    )
    const notices = n.stations(
      ids.map((id) => station(id, 0, 8)),
      MORNING,
    )
    expect(notices).toEqual([
      {
        kind: 'empty',
        title: '12 stations became empty',
        body: 'Station S0, Station S1, Station S2 and 9 more',
        tag: 'stations-empty',
      },
    ])
  })

  it('keeps quiet outside service hours, and does not catch up on the night in the morning', () => {
    const n = notifier()
    n.stations([station('A', 4, 4)], NIGHT)
    expect(n.stations([station('A', 0, 8)], NIGHT)).toEqual([])
    expect(n.stations([station('A', 0, 8)], MORNING)).toEqual([])
  })

  it('does not take stale or closed stations for empty ones', () => {
    const n = notifier()
    n.stations([station('A', 4, 4), station('B', 4, 4)], MORNING)
    expect(
      n.stations(
        [station('A', 0, 8, { stale: true }), station('B', 0, 8, { isInstalled: false })],
        MORNING,
      ),
    ).toEqual([])
    // A was normal before it went quiet: coming back empty is a change.
    expect(n.stations([station('A', 0, 8)], MORNING).map((notice) => notice.title)).toEqual([
      'Station A is empty',
    ])
  })

  it('tells a task going stale once; the ones stale at start are the board’s to show', () => {
    const n = notifier()
    expect(n.staleTasks([task(1)])).toEqual([])
    expect(n.staleTasks([task(1), task(2)])).toEqual([
      {
        kind: 'stale-task',
        title: 'Task 2 is past its lease',
        body: 'Crew van-3 has not completed it: 4 bikes from B to A',
        tag: 'task-2',
      },
    ])
    expect(n.staleTasks([task(1), task(2)])).toEqual([])
    expect(n.staleTasks([3, 4, 5, 6].map(task)).map((notice) => notice.title)).toEqual([
      '4 tasks are past their lease',
    ])
  })

  it('reads service hours on the system’s clock, across midnight too', () => {
    expect(withinServiceHours(MORNING, { start: '06:00', end: '22:00' }, ZONE)).toBe(true)
    expect(withinServiceHours(NIGHT, { start: '06:00', end: '22:00' }, ZONE)).toBe(false)
    expect(withinServiceHours(NIGHT, { start: '22:00', end: '04:00' }, ZONE)).toBe(true)
    expect(withinServiceHours(MORNING, { start: '06:00', end: '22:00' }, 'Asia/Tokyo')).toBe(false)
  })
})

describe('desktop notifications in main', () => {
  function fakes(notifications = true) {
    const listeners = new Set<ChangeListener>()
    let stations = [station('A', 5, 5), station('B', 5, 5)]
    let stale: Task[] = []
    const services = {
      feeds: {
        health: () =>
          Promise.resolve({ feeds: [{ timezone: ZONE }] } as Awaited<
            ReturnType<Services['feeds']['health']>
          >),
        stations: () => Promise.resolve(stations),
      },
      dispatch: { listTasks: vi.fn(() => Promise.resolve({ tasks: stale, next_cursor: null })) },
      settings: {
        get: () =>
          Promise.resolve({ serviceHours: { start: '06:00', end: '22:00' }, notifications }),
      },
    } as unknown as Pick<Services, 'feeds' | 'dispatch' | 'settings'>
    const shown: Notice[] = []
    const stop = startDesktopNotifications({
      source: {
        subscribe: (listener) => {
          listeners.add(listener)
          return () => void listeners.delete(listener)
        },
      },
      services,
      show: (notice) => shown.push(notice),
      logger: { warn: () => undefined },
      now: () => MORNING,
      staleCheckMs: 60_000,
    })
    const notify = (channel: string) => {
      for (const listener of listeners) listener({ channel, payload: '{}' })
    }
    return {
      shown,
      stop,
      notify,
      listeners,
      setStations: (next: StationLive[]) => (stations = next),
      setStale: (next: Task[]) => (stale = next),
    }
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

  it('shows what each poll and task change brings, and stops with the server', async () => {
    const f = fakes()
    await settle()
    f.setStations([station('A', 0, 10), station('B', 5, 5)])
    f.notify('station_status')
    f.setStale([task(7)])
    f.notify('tasks')
    f.notify('somebody_elses_channel')
    await settle()
    expect(f.shown.map((notice) => notice.title)).toEqual([
      'Station A is empty',
      'Task 7 is past its lease',
    ])
    f.stop()
    expect(f.listeners.size).toBe(0)
  })

  it('shows nothing when the settings turn notifications off', async () => {
    const f = fakes(false)
    await settle()
    f.setStations([station('A', 0, 10), station('B', 5, 5)])
    f.notify('station_status')
    await settle()
    expect(f.shown).toEqual([])
    f.stop()
  })
})
