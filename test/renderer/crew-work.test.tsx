import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../src/renderer/src/App'
import { MapView } from '../../src/renderer/src/map/MapView'
import { crewMarkers } from '../../src/renderer/src/map/crew-markers'
import { createProblemNotifier } from '../../src/renderer/src/notifications/problem-notifications'
import { ProblemsView } from '../../src/renderer/src/problems/ProblemsView'
import { StationView } from '../../src/renderer/src/station/StationView'
import { TaskBoardView } from '../../src/renderer/src/tasks/TaskBoardView'
import { releaseText } from '../../src/renderer/src/tasks/TaskCard'
import { fakeSources, problem, release, workingCrews } from './crew-fixtures'
import { ANALYST, DISPATCHER, STATIONS, fakeConsole, minutesAgo, task } from './fake-console'

afterEach(() => {
  cleanup()
  window.localStorage.clear()
  window.location.hash = ''
})

const props = (answers: Parameters<typeof fakeConsole>[0] = {}) => {
  const fake = fakeConsole(answers)
  return {
    fake,
    view: { client: fake.client, session: DISPATCHER, timeZone: null, keysEnabled: true },
  }
}

const PHOTO =
  'data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E'

describe('the Problems view', () => {
  it('lists open problems with the station’s link, the kind in words, the note, who and when', async () => {
    const { sources } = fakeSources({
      problems: [
        problem(1, { has_photo: true }),
        problem(2, {
          station_id: 'A',
          station_name: 'Market St at 4th St',
          kind: 'station_offline',
          note: null,
          crew_id: null,
          reported_by: 'console',
          created_at: minutesAgo(40),
        }),
        problem(3, { resolved_at: minutesAgo(5), resolved_by: 'console' }),
      ],
      photo: PHOTO,
    })
    const { view } = props()
    render(<ProblemsView {...view} sources={sources} />)
    const list = await screen.findByRole('list', { name: 'Problems' })
    const items = within(list).getAllByRole('listitem')
    expect(items.map((item) => item.getAttribute('aria-label'))).toEqual([
      'Problem 1: Broken docks at Townsend St at 7th St',
      'Problem 2: Station offline at Market St at 4th St',
    ])
    expect(screen.getByText('2 open problems')).toBeTruthy()
    const first = items[0] as HTMLElement
    expect(
      within(first).getByRole('link', { name: 'Townsend St at 7th St' }).getAttribute('href'),
    ).toBe('#/station/bay_wheels/B')
    expect(within(first).getByText('“Docks 4 and 5 do not lock”')).toBeTruthy()
    expect(within(first).getByText(/^Crew van-3 · 12 min ago/)).toBeTruthy()
    expect(within(items[1] as HTMLElement).getByText(/^console · 40 min ago/)).toBeTruthy()
    expect(within(items[1] as HTMLElement).getByText('No photo')).toBeTruthy()
    expect(sources.problems.list).toHaveBeenCalledWith({ status: 'open' })

    // The thumbnail, loaded through the source, opens large.
    const thumb = await within(first).findByRole('button', {
      name: 'Open the photo: Broken docks at Townsend St at 7th St',
    })
    expect(sources.problems.photo).toHaveBeenCalledWith(1)
    expect(thumb.querySelector('img')?.getAttribute('src')).toBe(PHOTO)
    fireEvent.click(thumb)
    const large = screen.getByRole('dialog', { name: 'Broken docks at Townsend St at 7th St' })
    expect(within(large).getByRole('img').getAttribute('src')).toBe(PHOTO)
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()

    // Resolved ones are a click away.
    fireEvent.click(screen.getByRole('button', { name: 'Resolved' }))
    await waitFor(() =>
      expect(sources.problems.list).toHaveBeenLastCalledWith({ status: 'resolved' }),
    )
    expect(await screen.findByText(/^Resolved by console/)).toBeTruthy()
  })

  it('resolves a problem with an optional note, and loads again when one is reported', async () => {
    const { sources, announce, problems } = fakeSources({ problems: [problem(7)] })
    const { view } = props()
    render(<ProblemsView {...view} sources={sources} />)
    const item = await screen.findByRole('listitem', {
      name: 'Problem 7: Broken docks at Townsend St at 7th St',
    })
    fireEvent.click(within(item).getByRole('button', { name: /^Resolve:/ }))
    fireEvent.click(within(item).getByRole('button', { name: 'Keep open' }))
    expect(sources.problems.resolve).not.toHaveBeenCalled()
    fireEvent.click(within(item).getByRole('button', { name: /^Resolve:/ }))
    fireEvent.change(within(item).getByLabelText('Note (optional)'), {
      target: { value: '  Docks 4 and 5 repaired ' },
    })
    fireEvent.click(within(item).getByRole('button', { name: 'Mark resolved' }))
    expect((await within(item).findByRole('status')).textContent).toMatch(
      /^Resolved by console, .*: Docks 4 and 5 repaired$/,
    )
    expect(sources.problems.resolve).toHaveBeenCalledWith(7, 'Docks 4 and 5 repaired')
    expect(within(item).queryByRole('button', { name: /^Resolve:/ })).toBeNull()

    problems.push(problem(8, { kind: 'vandalism', note: 'Kiosk screen smashed' }))
    announce()
    expect(await screen.findByText('“Kiosk screen smashed”')).toBeTruthy()
  })

  it('resolves without a note, and says so when the server refuses', async () => {
    const { sources } = fakeSources({ problems: [problem(9)] })
    sources.problems.resolve.mockImplementationOnce(() =>
      Promise.reject(new Error('problem 9 is already resolved')),
    )
    const { view } = props()
    render(<ProblemsView {...view} sources={sources} />)
    fireEvent.click(await screen.findByRole('button', { name: /^Resolve:/ }))
    fireEvent.click(screen.getByRole('button', { name: 'Mark resolved' }))
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Not resolved: problem 9 is already resolved',
    )
    expect(sources.problems.resolve).toHaveBeenCalledWith(9, undefined)
  })

  it('says the server does not offer problems, and an analyst cannot resolve', async () => {
    const { view } = props()
    const { unmount } = render(<ProblemsView {...view} />)
    expect(screen.getByText('Problem reports are not offered by this server')).toBeTruthy()
    expect(screen.queryByRole('list')).toBeNull()
    unmount()
    const { sources } = fakeSources()
    render(<ProblemsView {...view} session={ANALYST} sources={sources} />)
    await screen.findByRole('list', { name: 'Problems' })
    expect(screen.queryByRole('button', { name: /^Resolve:/ })).toBeNull()
  })
})

describe('the Problems page in the console', () => {
  it('is in the menu, opens with g p, and lists the problems the server answers', async () => {
    const { client, calls } = fakeConsole({ 'problems:list': () => [problem(5)] })
    render(<App client={client} />)
    await screen.findByRole('heading', { name: 'Overview' })
    expect(screen.getByRole('link', { name: /^Problems/ }).getAttribute('href')).toBe('#/problems')
    fireEvent.keyDown(window, { key: 'g' })
    fireEvent.keyDown(window, { key: 'p' })
    expect(await screen.findByRole('heading', { name: 'Problems', level: 1 })).toBeTruthy()
    expect(window.location.hash).toBe('#/problems')
    expect(
      await screen.findByRole('listitem', {
        name: 'Problem 5: Broken docks at Townsend St at 7th St',
      }),
    ).toBeTruthy()
    // The Overview counts the open problems too: every read asks for the open ones.
    const asked = new Set(calls('problems:list').map((input) => JSON.stringify(input)))
    expect(asked).toEqual(new Set([JSON.stringify({ status: 'open' })]))
  })
})

describe('a station’s page', () => {
  it('shows that station’s open problems only', async () => {
    const { sources } = fakeSources({
      problems: [
        problem(1),
        problem(2, { station_id: 'A', station_name: 'Market St at 4th St' }),
        problem(3, { system_id: 'other_system', note: 'same id, another system' }),
      ],
    })
    const { view } = props({ 'flows:profile': () => Promise.reject(new Error('no trips')) })
    render(
      <StationView
        {...view}
        station={{ systemId: 'bay_wheels', stationId: 'B' }}
        sources={sources}
      />,
    )
    const panel = await screen.findByRole('region', { name: 'Open problems' })
    const items = await within(panel).findAllByRole('listitem')
    expect(items.map((item) => item.getAttribute('data-problem-id'))).toEqual(['1'])
    expect(sources.problems.list).toHaveBeenCalledWith({ status: 'open', station_id: 'B' })
    expect(within(panel).getByText('1 open')).toBeTruthy()
    expect(within(panel).getByRole('button', { name: /^Resolve:/ })).toBeTruthy()
  })
})

describe('problem notifications', () => {
  it('tells each new problem once, not those open at the start, and folds a burst', () => {
    const notices = createProblemNotifier(3)
    expect(notices([problem(1)])).toEqual([])
    expect(notices([problem(1), problem(2, { kind: 'vandalism', has_photo: true })])).toEqual([
      {
        title: 'Vandalism at Townsend St at 7th St',
        body: '“Docks 4 and 5 do not lock” · crew van-3 · with a photo',
        tag: 'problem-2',
      },
    ])
    expect(notices([problem(2)])).toEqual([])
    const burst = [3, 4, 5].map((id) =>
      problem(id, { station_name: `Station ${id}`, station_id: String(id) }),
    )
    expect(notices(burst)).toEqual([
      {
        title: '3 new problems reported',
        body: 'Station 3, Station 4, Station 5',
        tag: 'problems',
      },
    ])
  })
})

describe('task cards', () => {
  const board = (tasks: ReturnType<typeof task>[]) => ({
    'tasks:list': ({ status }: { status?: string }) => ({
      tasks: tasks.filter((t) => t.status === status),
      next_cursor: null,
    }),
    'tasks:summary': () => ({
      byStatus: { ready: 1, assigned: 0, completed: 2, canceled: 0 },
      stale: 0,
    }),
  })

  it('show the quantity asked and moved, flag a difference, and the crew’s give-back reasons', async () => {
    const tasks = [
      task(11, { status: 'completed', qty: 5, qty_moved: 3, worker_id: 'van-3' }),
      task(12, { status: 'completed', qty: 6, qty_moved: 6, worker_id: 'van-5' }),
      task(13, { status: 'ready', qty: 10 }),
    ]
    const { sources } = fakeSources({
      releases: [
        release(13),
        release(13, {
          crew_id: 'van-5',
          reason_code: 'no_docks',
          reason: 'no free docks',
          at: minutesAgo(30),
        }),
      ],
    })
    const { view } = props(board(tasks))
    render(<TaskBoardView {...view} sources={sources} />)
    const short = await screen.findByRole('article', { name: 'Task 11' })
    expect(short.querySelector('.task-qty')?.textContent).toBe('5 bikes asked · 3 moved')
    expect(within(short).getByRole('note').textContent).toBe('2 bikes fewer than asked')
    const exact = screen.getByRole('article', { name: 'Task 12' })
    expect(exact.textContent).toContain('6 bikes asked · 6 moved')
    expect(within(exact).queryByRole('note')).toBeNull()

    const released = screen.getByRole('article', { name: 'Task 13' })
    const reasons = await within(released).findByRole('list', { name: 'Given back by crews' })
    expect(
      within(reasons)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      "Can't do: no free docks" + 'crew van-5 · 30 min ago',
      "Can't do: fewer bikes than expected — only 9 at Folsom" + 'crew van-3 · 8 min ago',
    ])
    expect(sources.releases.forTasks).toHaveBeenCalledWith([13])
  })

  it('words a give-back without a reason code as the crew wrote it', () => {
    expect(releaseText(release(1, { reason_code: null, reason: 'flat tyre' }))).toBe(
      'Given back: flat tyre',
    )
    expect(releaseText(release(1, { reason_code: 'van_full', reason: 'Van full' }))).toBe(
      "Can't do: van full",
    )
  })
})

describe('crews on the map', () => {
  beforeAll(() => {
    // Leaflet's canvas renderer (the station dots) draws through a 2D context jsdom lacks.
    HTMLCanvasElement.prototype.getContext = function getContext(this: HTMLCanvasElement) {
      return new Proxy(
        {},
        {
          get: (_target, name): unknown =>
            name === 'canvas'
              ? this
              : name === 'measureText'
                ? () => ({ width: 0 })
                : () => undefined,
          set: () => true,
        },
      )
    } as unknown as typeof HTMLCanvasElement.prototype.getContext
  })

  it('draws each crew with a known position as a van, dimmed when its position is old', async () => {
    window.localStorage.setItem('balancer.mapTiles', 'off')
    const { view } = props({
      'crews:list': () => workingCrews(),
      'tasks:list': () => ({
        tasks: [task(42, { status: 'assigned', worker_id: 'van-3', qty: 5 })],
        next_cursor: null,
      }),
    })
    render(<MapView {...view} />)
    const map = await screen.findByRole('application')
    await waitFor(() => expect(map.getAttribute('data-vans')).toBe('2'))
    const van3 = map.querySelector('[aria-label^="Van 3:"]') as HTMLElement
    expect(van3.getAttribute('aria-label')).toBe(
      'Van 3: Task #42: 5 bikes, Townsend St at 7th St → Market St at 4th St. Last contact 1 min ago',
    )
    expect(van3.className).not.toContain('crew-marker-stale')
    expect(van3.textContent).toBe('Van 3')
    const van5 = map.querySelector('[aria-label^="Van 5:"]') as HTMLElement
    expect(van5.className).toContain('crew-marker-stale')
    expect(van5.getAttribute('aria-label')).toBe(
      'Van 5: Task #43. Last contact 22 min ago (position may be old)',
    )
    expect(screen.getByText(/5 stations · 2 crews placed/)).toBeTruthy()
    // Van 3's task is drawn from the van to its two stations; Van 5's task is not in the list.
    expect(map.getAttribute('data-routes')).toBe('1')
    // Van 7 has never sent a position: not drawn anywhere made up.
    expect(map.querySelector('[aria-label^="Van 7"]')).toBeNull()
    // Let the dots' pending canvas frame run while the map is still there.
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
  })

  it('places only crews with a position, and marks silence of 15 minutes as stale', () => {
    const now = Date.now()
    const markers = crewMarkers(workingCrews(), [], STATIONS, now)
    expect(markers.map((m) => [m.name, m.stale, m.task])).toEqual([
      ['Van 3', false, 'Task #42'],
      ['Van 5', true, 'Task #43'],
    ])
  })

  it("draws a crew's way to its task: from the van to the source, then to the sink", () => {
    const held = task(42, { status: 'assigned', worker_id: 'van-3', qty: 5 })
    const [van3] = crewMarkers(workingCrews(), [held], STATIONS, Date.now())
    const at = (id: string) => {
      const found = STATIONS.find((s) => s.stationId === id)
      return found ? [found.lat, found.lon] : null
    }
    expect(van3?.route).toEqual([
      [van3?.lat, van3?.lon],
      at(held.from_station_id),
      at(held.to_station_id),
    ])
    expect(crewMarkers(workingCrews(), [], STATIONS, Date.now())[0]?.route).toBeNull()
  })
})
