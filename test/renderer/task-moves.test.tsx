import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { Task } from '../../src/shared/dispatch'
import type { TaskDetail } from '../../src/shared/operations/tasks'
import { ApiError } from '../../src/renderer/src/api/client'
import { NewMoveButton } from '../../src/renderer/src/moves/NewMoveDialog'
import { OverviewView } from '../../src/renderer/src/overview/OverviewView'
import { routeOfHash, VIEWS } from '../../src/renderer/src/shell/routes'
import { StationsView } from '../../src/renderer/src/stations/StationsView'
import { forgetStationsTable } from '../../src/renderer/src/stations/table-model'
import { TaskCard } from '../../src/renderer/src/tasks/TaskCard'
import { TaskDetailView } from '../../src/renderer/src/tasks/TaskDetailView'
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

afterEach(() => {
  cleanup()
  forgetStationsTable()
})

const props = (answers: FakeAnswers = {}, session = DISPATCHER) => {
  const fake = fakeConsole(answers)
  return {
    fake,
    view: { client: fake.client, session, timeZone: 'America/Los_Angeles', keysEnabled: true },
  }
}

describe('New move', () => {
  it('picks from and to by search, sends bikes, priority and crew; a refusal offers the qty that fits', async () => {
    const sent: unknown[] = []
    const { fake } = props({
      'crews:list': () => [crew('van-1', { name: 'Van 1' })],
      'tasks:create': (request) => {
        sent.push(request)
        if ((request as { qty: number }).qty > 4) {
          throw new ApiError(
            'Howard St at 2nd St has 2 bikes now, not the 6 this move needs; ask for 2 instead',
            409,
            'move_does_not_fit',
            { fits_qty: 2 },
          )
        }
        return task(77, { qty: (request as { qty: number }).qty, from_station_id: 'D' })
      },
    })
    render(
      <NewMoveButton client={fake.client} session={DISPATCHER} ends={{ systemId: 'bay_wheels' }} />,
    )
    fireEvent.click(screen.getByRole('button', { name: 'New move' }))
    const dialog = await screen.findByRole('dialog', { name: 'New move' })
    await waitFor(() =>
      expect(within(dialog).getAllByRole('option', { name: /Howard St/ })).toHaveLength(2),
    )
    fireEvent.change(within(dialog).getByRole('searchbox', { name: 'Search from stations' }), {
      target: { value: 'howard' },
    })
    const from = within(dialog).getByRole('listbox', { name: 'From station' })
    expect(
      within(from)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Howard St at 2nd St — 2 bikes · 13 docks'])
    fireEvent.change(from, { target: { value: 'D' } })
    fireEvent.change(within(dialog).getByRole('listbox', { name: 'To station' }), {
      target: { value: 'A' },
    })
    fireEvent.change(within(dialog).getByRole('spinbutton', { name: 'Bikes' }), {
      target: { value: '6' },
    })
    fireEvent.change(within(dialog).getByRole('spinbutton', { name: 'Priority' }), {
      target: { value: '5' },
    })
    await waitFor(() => expect(within(dialog).getByRole('option', { name: 'Van 1' })).toBeTruthy())
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'Crew' }), {
      target: { value: 'van-1' },
    })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create task' }))
    const alert = await within(dialog).findByRole('alert')
    expect(alert.textContent).toContain('Howard St at 2nd St has 2 bikes now')
    fireEvent.click(within(alert).getByRole('button', { name: 'Ask for 2 instead' }))
    expect(await within(dialog).findByText(/Task #77: 2 bikes from Howard St/)).toBeTruthy()
    expect(sent).toEqual([
      {
        system_id: 'bay_wheels',
        from_station_id: 'D',
        to_station_id: 'A',
        qty: 6,
        priority: 5,
        crew_id: 'van-1',
      },
      {
        system_id: 'bay_wheels',
        from_station_id: 'D',
        to_station_id: 'A',
        qty: 2,
        priority: 5,
        crew_id: 'van-1',
      },
    ])
    expect(within(dialog).getByRole('link', { name: 'Open task #77' }).getAttribute('href')).toBe(
      '#/task/77',
    )
  })

  it('is not offered to an analyst', () => {
    const { fake } = props()
    render(<NewMoveButton client={fake.client} session={ANALYST} ends={{ systemId: 'x' }} />)
    expect(screen.queryByRole('button', { name: 'New move' })).toBeNull()
  })
})

function detail(rest: Partial<TaskDetail> = {}, taskRest: Partial<Task> = {}): TaskDetail {
  const t = task(12, { qty: 6, qty_moved: 4, status: 'completed', suggestion_id: 3, ...taskRest })
  return {
    task: t,
    suggestion: suggestion(3, { reason: 'commute peak', status: 'approved', task_id: 12 }),
    qty: { asked: t.qty, moved: t.qty_moved },
    note: 'dock 3 broken',
    assignments: [
      {
        worker_id: 'van-a',
        assigned_at: minutesAgo(50),
        ended_at: minutesAgo(40),
        outcome: 'released',
        reason: 'flat tyre',
      },
      {
        worker_id: 'van-b',
        assigned_at: minutesAgo(30),
        ended_at: minutesAgo(5),
        outcome: 'completed',
        reason: null,
      },
    ],
    releases: [{ worker_id: 'van-a', at: minutesAgo(40), reason: 'flat tyre' }],
    audit: [
      {
        at: minutesAgo(55),
        action: 'task.change',
        actor: 'depot desk',
        actor_role: 'dispatcher',
        detail: { qty: { from: 8, to: 6 } },
      },
    ],
    ...rest,
  }
}

describe("A task's detail", () => {
  it('opens from its board card, which says the crew a ready task is assigned to', () => {
    render(
      <TaskCard
        task={task(12, { status: 'ready', worker_id: null, for_crew: 'van-1' })}
        index={null}
        now={Date.now()}
        timeZone={null}
      />,
    )
    expect(screen.getByText('For crew van-1')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Open task 12' }).getAttribute('href')).toBe(
      '#/task/12',
    )
  })

  it('opens from #/task/<id> and shows the suggestion, hand-outs, the give-back reason, the note and the audit', async () => {
    expect(routeOfHash('#/task/12', VIEWS)).toMatchObject({ view: 'task', task: 12 })
    expect(routeOfHash('#/task/abc', VIEWS).view).toBe('overview')
    const { view } = props({ 'tasks:get': () => detail() })
    render(<TaskDetailView {...view} taskId={12} />)
    expect(await screen.findByText('6 bikes asked · 4 moved')).toBeTruthy()
    expect(screen.getByText('dock 3 broken')).toBeTruthy()
    const givenBack = screen.getByRole('region', { name: 'Given back' })
    expect(within(givenBack).getByText('flat tyre')).toBeTruthy()
    expect(within(givenBack).getByText(/crew van-a/)).toBeTruthy()
    const suggestionPanel = screen.getByRole('region', { name: 'Suggestion' })
    expect(within(suggestionPanel).getByText('commute peak')).toBeTruthy()
    const handOuts = screen.getByRole('region', { name: 'Hand-outs' })
    expect(within(handOuts).getAllByRole('row')).toHaveLength(3)
    expect(
      within(screen.getByRole('region', { name: 'Audit' })).getByText('qty 8 → 6'),
    ).toBeTruthy()
    // Completed: nothing to change.
    expect(screen.queryByRole('region', { name: 'Change' })).toBeNull()
  })

  it("changes a ready task's bikes (offering the qty that fits) and assigns it to a crew", async () => {
    const calls: [string, unknown][] = []
    const { view } = props({
      'tasks:get': () =>
        detail({ assignments: [], releases: [], note: null }, { status: 'ready', qty_moved: null }),
      'crews:list': () => [crew('van-1', { name: 'Van 1', van_capacity: 12 })],
      'tasks:change': (request) => {
        calls.push(['change', request])
        if ((request as { qty: number }).qty > 5) {
          throw new ApiError('Market St has 5 bikes now', 409, 'move_does_not_fit', {
            fits_qty: 5,
          })
        }
        return task(12, { qty: 5 })
      },
      'tasks:assign': (request) => {
        calls.push(['assign', request])
        return task(12, { for_crew: 'van-1' })
      },
    })
    render(<TaskDetailView {...view} taskId={12} />)
    const panel = await screen.findByRole('region', { name: 'Change' })
    fireEvent.change(within(panel).getByRole('spinbutton', { name: 'Bikes' }), {
      target: { value: '9' },
    })
    fireEvent.click(within(panel).getByRole('button', { name: 'Save' }))
    fireEvent.click(await within(panel).findByRole('button', { name: 'Ask for 5 instead' }))
    await within(panel).findByText('Saved.')
    await waitFor(() => expect(within(panel).getByRole('option', { name: /Van 1/ })).toBeTruthy())
    fireEvent.change(within(panel).getByRole('combobox', { name: 'Crew' }), {
      target: { value: 'van-1' },
    })
    fireEvent.click(within(panel).getByRole('button', { name: 'Assign' }))
    await within(panel).findByText(/Assigned to crew van-1/)
    expect(calls).toEqual([
      ['change', { task_id: 12, qty: 9, priority: 70 }],
      ['change', { task_id: 12, qty: 5, priority: 70 }],
      ['assign', { task_id: 12, crew_id: 'van-1' }],
    ])
  })
})

describe('Overview that leads somewhere', () => {
  it('counts suggestions waiting and open problems, and each number links to what it counts', async () => {
    const { view, fake } = props({
      'suggestions:list': () => [suggestion(1), suggestion(2), suggestion(3)],
      'problems:list': () => [
        {
          problem_id: 1,
          system_id: 'bay_wheels',
          station_id: 'A',
          station_name: 'Market St at 4th St',
          kind: 'broken_docks',
          note: null,
          has_photo: false,
          reported_by: 'Van 1',
          crew_id: 'van-1',
          created_at: minutesAgo(10),
          resolved_at: null,
          resolved_by: null,
          resolution_note: null,
        },
      ],
    })
    const feeds = {
      data: { leader: 'depot:1', pollingHere: true, stale: false, checkedAt: '', feeds: [feed()] },
      error: null,
      loading: false,
      reload: () => undefined,
    }
    render(<OverviewView {...view} feeds={feeds} />)
    const waiting = await screen.findByRole('region', { name: 'Waiting for a decision' })
    const suggestions = await within(waiting).findByRole('link', { name: /Suggestions/ })
    expect(suggestions.textContent).toBe('3Suggestions')
    expect(suggestions.getAttribute('href')).toBe('#/suggestions')
    expect(
      within(waiting)
        .getByRole('link', { name: /Open problems/ })
        .getAttribute('href'),
    ).toBe('#/problems')
    const tasks = screen.getByRole('region', { name: 'Tasks' })
    expect(within(tasks).getByRole('link', { name: /Ready/ }).getAttribute('href')).toBe('#/tasks')
    // "Empty" opens the stations table on the empty ones alone.
    const stations = screen.getByRole('region', { name: 'Stations now' })
    const empty = await within(stations).findByRole('link', { name: /^\d+Empty$/ })
    expect(empty.getAttribute('href')).toBe('#/stations')
    fireEvent.click(empty)
    cleanup()
    render(<StationsView {...view} client={fake.client} />)
    // Of the five, one has no bike (Market St); one is not live and counted apart.
    await waitFor(() => expect(screen.getByText('Only empty')).toBeTruthy())
    expect(screen.getByText(/^1 of 5 stations/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Show every station' }))
    expect(await screen.findByText(/^5 stations/)).toBeTruthy()
  })
})
