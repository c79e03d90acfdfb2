import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Suggestion, Task } from '../../src/shared/dispatch'
import { CrewsView } from '../../src/renderer/src/crews/CrewsView'
import { OverviewView } from '../../src/renderer/src/overview/OverviewView'
import { describeFreshness, staleSystems } from '../../src/renderer/src/shell/TopBar'
import { SuggestionsView } from '../../src/renderer/src/suggestions/SuggestionsView'
import { TaskBoardView } from '../../src/renderer/src/tasks/TaskBoardView'
import {
  ANALYST,
  crew,
  DISPATCHER,
  fakeConsole,
  feed,
  minutesAgo,
  suggestion,
  task,
  type FakeAnswers,
} from './fake-console'

beforeAll(() => {
  // jsdom lays nothing out; the suggestions list scrolls its cursor row into view.
  Element.prototype.scrollIntoView = () => undefined
})
afterEach(cleanup)

const props = (answers: FakeAnswers = {}, session = DISPATCHER) => {
  const fake = fakeConsole(answers)
  return {
    fake,
    view: { client: fake.client, session, timeZone: 'America/Los_Angeles', keysEnabled: true },
  }
}

describe('Overview', () => {
  it('counts stations in trouble now, leaving the not-live ones apart, with tasks, crews and feeds', async () => {
    const { view } = props({
      'tasks:summary': () => ({
        byStatus: { ready: 7, assigned: 3, completed: 41, canceled: 2 },
        stale: 1,
      }),
      'crews:list': () => [
        crew('van-1', { assigned_tasks: 1 }),
        crew('van-2', { health: 'Warning' }),
        crew('van-3', { health: 'Critical', last_seen_at: minutesAgo(90) }),
      ],
    })
    const feeds = {
      data: { leader: 'depot:1', pollingHere: true, stale: false, checkedAt: '', feeds: [feed()] },
      error: null,
      loading: false,
      reload: () => undefined,
    }
    render(<OverviewView {...view} feeds={feeds} />)

    const stations = await screen.findByRole('region', { name: 'Stations now' })
    await waitFor(() => expect(within(stations).queryByText('Empty')).toBeTruthy())
    const stat = (region: HTMLElement, label: string) =>
      within(region).getByText(label, { selector: '.stat-label' }).previousElementSibling
        ?.textContent
    // A: 0 bikes (empty); B: 1 dock (nearly full); D: 2 bikes (nearly empty); E: stale.
    expect(stat(stations, 'Empty')).toBe('1')
    expect(stat(stations, 'Nearly empty')).toBe('1')
    expect(stat(stations, 'Full')).toBe('0')
    expect(stat(stations, 'Nearly full')).toBe('1')
    expect(stat(stations, 'Not live')).toBe('1')

    const tasks = screen.getByRole('region', { name: 'Tasks' })
    await waitFor(() => expect(stat(tasks, 'Ready')).toBe('7'))
    expect(stat(tasks, 'Stale lease')).toBe('1')
    const crews = screen.getByRole('region', { name: 'Crews' })
    await waitFor(() => expect(stat(crews, 'Active')).toBe('2'))
    expect(stat(crews, 'On a task')).toBe('1')

    expect(screen.getByText('Polled by this console')).toBeTruthy()
    expect(screen.getByText('Live')).toBeTruthy()
  })

  it('stops counting stations as live when their feed crosses its limit, with no event', async () => {
    // The server's last answer: the feed live, its data 4 min 58 s old. Then the feed stops,
    // and nothing is announced: no poll succeeds, and no stations:changed arrives.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    try {
      const { fake, view } = props()
      const feeds = {
        data: {
          leader: 'depot:1',
          pollingHere: true,
          stale: false,
          checkedAt: new Date().toISOString(),
          feeds: [feed({ feedLastUpdated: new Date(Date.now() - 298_000).toISOString() })],
        },
        error: null,
        loading: false,
        reload: () => undefined,
      }
      render(<OverviewView {...view} feeds={feeds} />)
      const stations = await screen.findByRole('region', { name: 'Stations now' })
      await within(stations).findByText('4 live stations, 1 not live')
      const health = screen.getByRole('region', { name: 'Feed health' })
      expect(within(health).getByText('Live')).toBeTruthy()
      const loads = fake.calls('feeds:stations').length

      await act(() => vi.advanceTimersByTime(6_000))
      expect(within(stations).getByText('0 live stations, 5 not live')).toBeTruthy()
      const stat = (label: string) =>
        within(stations).getByText(label, { selector: '.stat-label' }).previousElementSibling
          ?.textContent
      expect(stat('Empty')).toBe('0')
      expect(stat('Not live')).toBe('5')
      expect(within(health).getByText('Stale')).toBeTruthy()
      expect(within(health).getByText('Bay Wheels: stale, no update for 5 min')).toBeTruthy()
      // Every station of a stale feed is not live, though the server counted 1 when it answered.
      const cells = within(health).getAllByRole('cell')
      expect(cells[3]?.textContent).toBe('5')
      // Worked out on the page: nothing was asked again.
      expect(fake.calls('feeds:stations').length).toBe(loads)
    } finally {
      vi.useRealTimers()
    }
  })

  it('updates the task counts live when tasks change', async () => {
    let ready = 1
    const { fake, view } = props({
      'tasks:summary': () => ({
        byStatus: { ready, assigned: 0, completed: 0, canceled: 0 },
        stale: 0,
      }),
    })
    const feeds = { data: null, error: null, loading: true, reload: () => undefined }
    render(<OverviewView {...view} feeds={feeds} />)
    const tasks = await screen.findByRole('region', { name: 'Tasks' })
    await waitFor(() => expect(within(tasks).getByText('1')).toBeTruthy())

    ready = 2
    fake.push('tasks:changed', [{ id: 9, status: 'ready' }])
    await waitFor(() => expect(within(tasks).getByText('2')).toBeTruthy())
  })

  it('shows an error in words with a retry', async () => {
    let fail = true
    const { view } = props({
      'feeds:stations': () => {
        if (fail) throw new Error('the dispatch server at http://depot:8000 did not answer')
        return []
      },
    })
    const feeds = { data: null, error: null, loading: true, reload: () => undefined }
    render(<OverviewView {...view} feeds={feeds} />)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Stations unavailable')
    expect(alert.textContent).toContain('did not answer')
    fail = false
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
    expect(await screen.findByText('No stations yet')).toBeTruthy()
  })
})

describe('Suggestions', () => {
  function queue(initial: Suggestion[]) {
    let open = initial
    const decided: string[] = []
    const { fake, view } = props({
      'suggestions:list': () => open,
      'tasks:approve': ({ suggestion_id }) => {
        decided.push(`approve ${suggestion_id}`)
        open = open.filter((item) => item.id !== suggestion_id)
        return task(100 + suggestion_id, { suggestion_id })
      },
      'tasks:approveBatch': ({ suggestion_ids }) => {
        decided.push(`batch ${suggestion_ids.join(',')}`)
        open = open.filter((item) => !suggestion_ids.includes(item.id))
        return suggestion_ids.map((id) => task(100 + id))
      },
      'suggestions:reject': ({ suggestion_id }) => {
        decided.push(`reject ${suggestion_id}`)
        open = open.filter((item) => item.id !== suggestion_id)
        return suggestion(suggestion_id, { status: 'rejected' })
      },
    })
    return { fake, view, decided }
  }

  it('lists open suggestions most valuable first, with station names and their fill now', async () => {
    const { view } = queue([suggestion(1, { value: 30 }), suggestion(2, { value: 70, qty: 8 })])
    render(<SuggestionsView {...view} />)
    const rows = (await screen.findAllByRole('row')).slice(1)
    expect(rows).toHaveLength(2)
    expect(rows[0]?.textContent).toContain('70.0')
    expect(within(rows[0] as HTMLElement).getAllByText('Townsend St at 7th St')).toHaveLength(1)
    expect(rows[0]?.textContent).toContain('Market St at 4th St')
    expect(rows[0]?.textContent).toContain('A is empty, B is nearly full')
    expect(rows[0]?.textContent).toMatch(/18\/19/)
  })

  it('approves and rejects by button, and by keyboard: j/k move, a approves, r rejects', async () => {
    const { view, decided } = queue([
      suggestion(1, { value: 90 }),
      suggestion(2, { value: 80 }),
      suggestion(3, { value: 70 }),
    ])
    render(<SuggestionsView {...view} />)
    await screen.findByRole('button', { name: 'Approve suggestion 1' })

    fireEvent.keyDown(window, { key: 'j' })
    fireEvent.keyDown(window, { key: 'a' })
    expect((await screen.findByRole('status')).textContent).toContain('task #102 is ready')
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Approve suggestion 2' })).toBeNull(),
    )

    fireEvent.keyDown(window, { key: 'k' })
    fireEvent.keyDown(window, { key: 'r' })
    // r asks why (optional), in the row; Enter in the field rejects.
    const why = await screen.findByRole('textbox', { name: 'Why reject suggestion 1 (optional)' })
    expect(document.activeElement).toBe(why)
    fireEvent.submit(why)
    await waitFor(() => expect(decided).toEqual(['approve 2', 'reject 1']))

    fireEvent.click(await screen.findByRole('button', { name: 'Approve suggestion 3' }))
    await waitFor(() => expect(decided).toEqual(['approve 2', 'reject 1', 'approve 3']))
    expect(await screen.findByText('No open suggestions')).toBeTruthy()
  })

  it('approves a selection in one batch: x selects, A approves them all', async () => {
    const { view, decided } = queue([
      suggestion(1, { value: 90 }),
      suggestion(2, { value: 80 }),
      suggestion(3, { value: 70 }),
    ])
    render(<SuggestionsView {...view} />)
    await screen.findByRole('button', { name: 'Approve suggestion 1' })

    fireEvent.keyDown(window, { key: 'x' })
    fireEvent.keyDown(window, { key: 'j' })
    fireEvent.keyDown(window, { key: 'j' })
    fireEvent.keyDown(window, { key: 'x' })
    expect(screen.getByRole('button', { name: 'Approve selected (2)' })).toBeTruthy()
    fireEvent.keyDown(window, { key: 'A' })
    await waitFor(() => expect(decided).toEqual(['batch 1,3']))
    expect((await screen.findByRole('status')).textContent).toContain(
      '2 suggestions approved into 2 tasks',
    )
  })

  it('shows a refused approval in words and keeps the suggestion', async () => {
    const { view } = props({
      'suggestions:list': () => [suggestion(1)],
      'tasks:approve': () => {
        throw new Error('suggestion 1 was already approved into task 7')
      },
    })
    render(<SuggestionsView {...view} />)
    fireEvent.click(await screen.findByRole('button', { name: 'Approve suggestion 1' }))
    expect((await screen.findByRole('alert')).textContent).toContain('already approved into task 7')
  })

  it('is read-only for analysts', async () => {
    const { view } = props({ 'suggestions:list': () => [suggestion(1)] }, ANALYST)
    render(<SuggestionsView {...view} />)
    expect(await screen.findByText('A is empty, B is nearly full')).toBeTruthy()
    expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull()
    expect(screen.queryByRole('checkbox')).toBeNull()
  })
})

describe('Task board', () => {
  function board(tasks: () => Task[], session = DISPATCHER) {
    const canceled: number[] = []
    const { fake, view } = props(
      {
        'tasks:list': ({ status }) => ({
          tasks: tasks().filter((item) => item.status === status),
          next_cursor: null,
        }),
        'tasks:summary': () => {
          const byStatus = { ready: 0, assigned: 0, completed: 0, canceled: 0 }
          for (const item of tasks()) byStatus[item.status] += 1
          return { byStatus, stale: tasks().filter((item) => item.stale).length }
        },
        'tasks:cancel': ({ task_id }) => {
          canceled.push(task_id)
          return task(task_id, { status: 'canceled' })
        },
      },
      session,
    )
    return { fake, view, canceled }
  }
  const column = (name: string) => screen.getByRole('region', { name })

  it('shows four columns with stations, bikes, crew, age and a stale-lease warning', async () => {
    const { view } = board(() => [
      task(1),
      task(2, {
        status: 'assigned',
        worker_id: 'van-3',
        assigned_at: minutesAgo(75),
        stale: true,
        lease_expires_at: minutesAgo(15),
      }),
      task(3, { status: 'completed', worker_id: 'van-1', completed_at: minutesAgo(5) }),
    ])
    render(<TaskBoardView {...view} />)
    await screen.findByRole('article', { name: 'Task 1' })

    expect(within(column('Ready')).getByText('Market St at 4th St')).toBeTruthy()
    expect(within(column('Ready')).getByText('No crew yet')).toBeTruthy()
    const stale = within(column('Assigned')).getByRole('article', { name: 'Task 2' })
    expect(stale.textContent).toContain('Crew van-3')
    expect(stale.textContent).toContain('1 h 15 min ago')
    expect(within(stale).getByRole('note').textContent).toBe(
      'Lease expired 15 min ago: check on crew van-3.',
    )
    expect(within(column('Completed')).getByText('5 min ago')).toBeTruthy()
    expect(within(column('Canceled')).getByText('No canceled tasks.')).toBeTruthy()
  })

  it('moves a card live when a crew claims it elsewhere', async () => {
    let claimed = false
    const { fake, view } = board(() => [
      claimed
        ? task(1, { status: 'assigned', worker_id: 'van-7', assigned_at: minutesAgo(0) })
        : task(1),
    ])
    render(<TaskBoardView {...view} />)
    await within(await screen.findByRole('region', { name: 'Ready' })).findByRole('article', {
      name: 'Task 1',
    })

    claimed = true
    fake.push('tasks:changed', [{ id: 1, status: 'assigned' }])
    const card = await within(column('Assigned')).findByRole('article', { name: 'Task 1' })
    expect(card.textContent).toContain('Crew van-7')
    expect(within(column('Ready')).queryByRole('article')).toBeNull()
  })

  it('filters by crew and by station name', async () => {
    const { view } = board(() => [
      task(1, { from_station_id: 'C', to_station_id: 'D' }),
      task(2, { status: 'assigned', worker_id: 'van-3', assigned_at: minutesAgo(3) }),
      task(3, { status: 'assigned', worker_id: 'van-4', assigned_at: minutesAgo(3) }),
    ])
    render(<TaskBoardView {...view} />)
    await screen.findByRole('article', { name: 'Task 3' })

    fireEvent.change(screen.getByLabelText('Crew'), { target: { value: 'van-3' } })
    expect(screen.queryByRole('article', { name: 'Task 3' })).toBeNull()
    expect(screen.getByRole('article', { name: 'Task 2' })).toBeTruthy()
    expect(within(column('Assigned')).getByText('1 of 2')).toBeTruthy()

    fireEvent.change(screen.getByLabelText('Crew'), { target: { value: '' } })
    fireEvent.change(screen.getByLabelText('Station'), { target: { value: 'valencia' } })
    expect(screen.getByRole('article', { name: 'Task 1' })).toBeTruthy()
    expect(screen.queryByRole('article', { name: 'Task 2' })).toBeNull()
  })

  it('lets a dispatcher cancel a ready task after confirming; analysts cannot', async () => {
    const { view, canceled } = board(() => [task(1)])
    const { unmount } = render(<TaskBoardView {...view} />)
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel task 1' }))
    fireEvent.click(screen.getByRole('button', { name: 'Cancel task' }))
    await waitFor(() => expect(canceled).toEqual([1]))
    unmount()

    const readOnly = board(() => [task(1)], ANALYST)
    render(<TaskBoardView {...readOnly.view} />)
    await screen.findByRole('article', { name: 'Task 1' })
    expect(screen.queryByRole('button', { name: 'Cancel task 1' })).toBeNull()
  })
})

describe('Crews', () => {
  it('lists crews with health and last heartbeat, creates a token shown once, and revokes', async () => {
    const revoked: number[] = []
    const { view, fake } = props({
      'crews:list': () => [
        crew('van-3', {
          name: 'Van 3',
          health: 'Warning',
          last_seen_at: minutesAgo(9),
          assigned_tasks: 2,
        }),
      ],
      'tokens:list': () => [
        {
          token_id: 5,
          name: 'Van 3',
          role: 'crew',
          crew_id: 'van-3',
          token_prefix: 'bwb_Ab12',
          created_at: minutesAgo(600),
          created_by: 'cli',
          last_used_at: minutesAgo(9),
          revoked_at: null,
        },
      ],
      'tokens:create': (request) => ({
        token: 'bwb_SECRETsecretSECRETsecretSECRETsecretSECRE',
        info: {
          token_id: 6,
          name: request.name,
          role: request.role,
          crew_id: request.crew_id ?? 'van-9',
          token_prefix: 'bwb_SECR',
          created_at: new Date().toISOString(),
          created_by: 'console',
          last_used_at: null,
          revoked_at: null,
        },
      }),
      'tokens:revoke': ({ token_id }) => {
        revoked.push(token_id)
        return {
          token_id,
          name: 'Van 3',
          role: 'crew',
          crew_id: 'van-3',
          token_prefix: 'bwb_Ab12',
          created_at: minutesAgo(600),
          created_by: 'cli',
          last_used_at: null,
          revoked_at: new Date().toISOString(),
        }
      },
    })
    render(<CrewsView {...view} />)

    const crews = await screen.findByRole('region', { name: 'Crews' })
    const row = await within(crews).findByText('Van 3')
    expect(row.closest('tr')?.textContent).toContain('Warning')
    expect(row.closest('tr')?.textContent).toContain('9 min ago')

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Van 9' } })
    fireEvent.change(screen.getByLabelText('Van bikes'), { target: { value: '14' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }))
    expect((await screen.findByTestId('new-token')).textContent).toBe(
      'bwb_SECRETsecretSECRETsecretSECRETsecretSECRE',
    )
    expect(fake.calls('tokens:create')).toEqual([{ name: 'Van 9', role: 'crew', van_capacity: 14 }])
    expect(screen.getByText(/shown this once/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Done' }))
    expect(screen.queryByTestId('new-token')).toBeNull()

    fireEvent.click(screen.getByRole('button', { name: 'Revoke Van 3' }))
    fireEvent.click(screen.getByRole('button', { name: 'Revoke now' }))
    await waitFor(() => expect(revoked).toEqual([5]))
  })

  it('shows a refused token creation in words', async () => {
    const { view } = props({
      'tokens:create': () => {
        throw new Error('body.crew_id: must be 1-64 letters, digits or _ . : -')
      },
    })
    render(<CrewsView {...view} />)
    expect(await screen.findByText('No crews yet')).toBeTruthy()
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Van 9' } })
    fireEvent.change(screen.getByLabelText('Crew id'), { target: { value: 'van 9!' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }))
    expect((await screen.findByRole('alert')).textContent).toContain('body.crew_id')
  })
})

describe('feed freshness on the page clock', () => {
  const at = Date.parse('2025-01-29T10:00:00Z')
  const updated = (secondsAgo: number) => new Date(at - secondsAgo * 1000).toISOString()

  it('turns a feed the server last called live stale once its data passes the limit', () => {
    const live = feed({ feedLastUpdated: updated(299), stale: false })
    expect(describeFreshness(live, at)).toMatchObject({
      tone: 'ok',
      text: 'Bay Wheels: updated 4 min ago',
    })
    expect(describeFreshness(live, at + 2_000)).toMatchObject({
      tone: 'stale',
      text: 'Bay Wheels: stale, no update for 5 min',
    })
    // A feed announcing a long ttl has twice that: the server sends the limit that applies.
    const slow = feed({ feedLastUpdated: updated(500), ttlSeconds: 300, staleAfterSeconds: 600 })
    expect(describeFreshness(slow, at).tone).toBe('ok')
  })

  it('names the systems none of whose feeds is live', () => {
    const feeds = [
      feed({ feedId: 1, systemId: 'bay_wheels', feedLastUpdated: updated(400) }),
      feed({ feedId: 2, systemId: 'divvy', feedLastUpdated: updated(400) }),
      // Divvy has a second feed that still answers: its stations are live.
      feed({ feedId: 3, systemId: 'divvy', feedLastUpdated: updated(30) }),
      feed({ feedId: 4, systemId: null, feedLastUpdated: null }),
    ]
    expect([...staleSystems(feeds, at)]).toEqual(['bay_wheels'])
  })
})
