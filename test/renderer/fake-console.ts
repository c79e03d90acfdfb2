import { act } from '@testing-library/react'
import { vi } from 'vitest'
import type { Channel, ConsoleApi, ConsoleEvents, EventName } from '../../src/shared/contract'
import type { Crew, Session, Suggestion, Task } from '../../src/shared/dispatch'
import type { FeedHealth, StationLive } from '../../src/shared/feeds'
import type { ConsoleClient } from '../../src/renderer/src/api/client'
import { appStatus } from '../helpers/app-status'
import { feedHealth } from '../helpers/feed-health'
import {
  serviceClusters,
  serviceCrews,
  serviceReport,
  serviceStations,
  serviceSummary,
  serviceTaskEffects,
} from '../helpers/service-fixtures'

export * from '../helpers/service-fixtures'

type Answer<C extends Channel> = (
  request: ConsoleApi[C]['request'],
) => ConsoleApi[C]['response'] | Promise<ConsoleApi[C]['response']>
export type FakeAnswers = { [C in Channel]?: Answer<C> }

export const DISPATCHER: Session = {
  name: 'console',
  role: 'dispatcher',
  crew_id: null,
  token_id: null,
}
export const ANALYST: Session = { name: 'desk 2', role: 'analyst', crew_id: null, token_id: 4 }

const NOW = new Date()
export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()

export function station(
  id: string,
  name: string,
  bikes: number,
  docks: number,
  rest: Partial<StationLive> = {},
): StationLive {
  return {
    systemId: 'bay_wheels',
    stationId: id,
    name,
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
    lastReported: NOW.toISOString(),
    observedAt: NOW.toISOString(),
    stale: false,
    staleReason: null,
    staleDetail: null,
    bikesDisabled: 0,
    docksDisabled: 0,
    score: (bikes <= 2 ? 70 : 0) + (docks <= 2 ? 30 : 0),
    regionId: null,
    systemName: 'Bay Wheels',
    timeZone: 'America/Los_Angeles',
    ...rest,
  }
}

export const STATIONS: StationLive[] = [
  station('A', 'Market St at 4th St', 0, 19),
  station('B', 'Townsend St at 7th St', 18, 1),
  station('C', 'Valencia St at 16th St', 9, 10),
  station('D', 'Howard St at 2nd St', 2, 13),
  station('E', 'Ferry Building', 4, 0, {
    stale: true,
    staleReason: 'report_old',
    staleDetail: 'last reported 3 d ago',
  }),
]

export function suggestion(id: number, rest: Partial<Suggestion> = {}): Suggestion {
  return {
    id,
    from_station_id: 'B',
    to_station_id: 'A',
    qty: 5,
    reason: 'A is empty, B is nearly full',
    system_id: 'bay_wheels',
    source: 'engine',
    value: 70,
    status: 'open',
    created_at: minutesAgo(4),
    created_by: 'engine',
    decided_at: null,
    decided_by: null,
    decision_note: null,
    task_id: null,
    // As the engine saw B and A when it proposed the move (STATIONS has them the same now).
    from_bikes: 18,
    from_docks: 1,
    to_bikes: 0,
    to_docks: 19,
    ...rest,
  }
}

export function task(id: number, rest: Partial<Task> = {}): Task {
  return {
    id,
    from_station_id: 'B',
    to_station_id: 'A',
    qty: 5,
    reason: 'A is empty',
    status: 'ready',
    worker_id: null,
    created_at: minutesAgo(20),
    system_id: 'bay_wheels',
    priority: 70,
    qty_moved: null,
    note: null,
    suggestion_id: null,
    assigned_at: null,
    completed_at: null,
    canceled_at: null,
    updated_at: minutesAgo(20),
    lease_expires_at: null,
    stale: false,
    for_crew: null,
    ...rest,
  }
}

export function crew(id: string, rest: Partial<Crew> = {}): Crew {
  return {
    crew_id: id,
    name: id,
    van_capacity: 12,
    last_seen_at: minutesAgo(2),
    last_position: null,
    health: 'Healthy',
    assigned_tasks: 0,
    active_tokens: 1,
    ...rest,
  }
}

/** The feed of STATIONS, one of them not live. */
export function feed(rest: Partial<FeedHealth> = {}): FeedHealth {
  return feedHealth(Date.now(), { stationCount: 5, stationsStale: 1, ...rest })
}

const DEFAULTS: FakeAnswers = {
  'app:status': () => appStatus(true, {}, { checkedAt: new Date().toISOString() }),
  'session:me': () => DISPATCHER,
  'feeds:health': () => ({
    leader: 'depot:1',
    pollingHere: true,
    feeds: [feed()],
    stale: false,
    checkedAt: new Date().toISOString(),
  }),
  'feeds:stations': () => STATIONS,
  'suggestions:list': () => [],
  'tasks:list': () => ({ tasks: [], next_cursor: null }),
  'tasks:summary': () => ({
    byStatus: { ready: 0, assigned: 0, completed: 0, canceled: 0 },
    stale: 0,
  }),
  'crews:list': () => [],
  'problems:list': () => [],
  'tokens:list': () => [],
  'service:summary': (range) => serviceSummary(range),
  'service:stations': (range) => serviceStations(range),
  'service:clusters': (range) => serviceClusters(range),
  'service:crews': (range) => serviceCrews(range),
  'service:taskEffects': (range) => serviceTaskEffects(range),
  'service:report': ({ day }) => serviceReport(day),
  'trips:quarantined': () => [],
  'engine:models': () => [],
}

/** A console client answering from `answers` (else harmless defaults), with events to push. */
export function fakeConsole(answers: FakeAnswers = {}) {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const all = { ...DEFAULTS, ...answers } as Record<string, (request: unknown) => unknown>
  const invoke = vi.fn((channel: Channel, request?: unknown) => {
    const answer = all[channel]
    if (!answer) return Promise.reject(new Error(`${channel} was not expected in this test`))
    try {
      return Promise.resolve(answer(request))
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
  })
  const client = {
    invoke,
    on: (event: EventName, listener: (payload: unknown) => void) => {
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => void set.delete(listener)
    },
  } as unknown as ConsoleClient
  const push = <E extends EventName>(event: E, payload: ConsoleEvents[E]) =>
    act(() => {
      for (const listener of listeners.get(event) ?? []) listener(payload)
    })
  const calls = (channel: Channel) =>
    invoke.mock.calls.filter(([name]) => name === channel).map(([, request]) => request)
  return { client, invoke, push, calls, listeners }
}
