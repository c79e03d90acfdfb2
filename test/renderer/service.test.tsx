import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Session } from '../../src/shared/dispatch'
import { App } from '../../src/renderer/src/App'
import { stationHash } from '../../src/renderer/src/shell/routes'
import {
  ANALYST,
  DISPATCHER,
  fakeConsole,
  SERVICE_DAYS,
  SERVICE_STATIONS,
  serviceDay,
  serviceReport,
  serviceSummary,
  type FakeAnswers,
} from './fake-console'

const WEEK = '#/service?from=2023-07-10&to=2023-07-17'

beforeEach(() => {
  window.localStorage.clear()
  window.location.hash = ''
})
afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** The desktop console for `session`, opened at `hash`. */
function open(hash: string, answers: FakeAnswers = {}, session: Session = DISPATCHER) {
  window.location.hash = hash
  const fake = fakeConsole({ 'session:me': () => session, ...answers })
  const view = render(<App client={fake.client} />)
  return { ...fake, ...view }
}

const region = (name: string) => screen.getByRole('region', { name })
const figure = (label: string) => {
  const stat = within(region('The days in figures'))
    .getByText(label, { selector: '.stat-label' })
    .closest('.stat')
  return {
    value: stat?.querySelector('.stat-value')?.textContent,
    sub: stat?.querySelector('.stat-sub')?.textContent,
  }
}
const poll = (systemId: string) => ({
  feedId: 1,
  pollId: 2,
  systemId,
  outcome: 'ok' as const,
  statusRowsWritten: 517,
  at: new Date().toISOString(),
})
const firstDay = () => screen.getByLabelText<HTMLInputElement>('From').value
const bodyRows = (table: string) =>
  within(screen.getByRole('table', { name: table }))
    .getAllByRole('row')
    .slice(1)

/** The last day of the range the address holds, moved by the browser's Back. */
async function back(): Promise<void> {
  const before = window.location.hash
  window.history.back()
  await waitFor(() => expect(window.location.hash).not.toBe(before))
}

describe('the Service page', () => {
  it('opens on the data’s last 7 days, keeps the range in the address, and moves it', async () => {
    const { calls, unmount } = open('#/service')

    await waitFor(() => expect(window.location.hash).toBe(WEEK))
    await screen.findByRole('region', { name: 'The days in figures' })
    // One question to learn where the data lies, then the week itself.
    expect(calls('service:summary').at(-1)).toEqual({ from: '2023-07-10', to: '2023-07-17' })
    expect(screen.getByLabelText<HTMLInputElement>('From').value).toBe('2023-07-10')
    // People read the last day; the address and the API take the day after it.
    expect(screen.getByLabelText<HTMLInputElement>('to').value).toBe('2023-07-16')
    expect(screen.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe(
      'true',
    )
    expect(screen.getByText('7 days')).toBeTruthy()
    // The data starts on the first day and ends on the last: nothing earlier, nothing later.
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Earlier days' }).disabled).toBe(
      true,
    )
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Later days' }).disabled).toBe(
      true,
    )

    fireEvent.click(screen.getByRole('button', { name: 'Last 30 days' }))
    expect(window.location.hash).toBe('#/service?from=2023-06-17&to=2023-07-17')
    await screen.findByText('30 days')

    const from = screen.getByLabelText('From')
    fireEvent.change(from, { target: { value: '2023-07-14' } })
    fireEvent.blur(from)
    expect(window.location.hash).toBe('#/service?from=2023-07-14&to=2023-07-17')
    await screen.findByText('3 days')
    fireEvent.click(screen.getByRole('button', { name: 'Earlier days' }))
    expect(window.location.hash).toBe('#/service?from=2023-07-11&to=2023-07-14')
    await waitFor(() => expect(firstDay()).toBe('2023-07-11'))
    fireEvent.keyDown(window, { key: ']' })
    expect(window.location.hash).toBe('#/service?from=2023-07-14&to=2023-07-17')
    await waitFor(() => expect(firstDay()).toBe('2023-07-14'))
    fireEvent.keyDown(window, { key: 'w' })
    expect(window.location.hash).toBe(WEEK)
    await waitFor(() => expect(firstDay()).toBe('2023-07-10'))

    // Back walks the ranges, and a reload opens the one in the address.
    await back()
    expect(window.location.hash).toBe('#/service?from=2023-07-14&to=2023-07-17')
    await waitFor(() => expect(firstDay()).toBe('2023-07-14'))
    unmount()
    const reloaded = open(window.location.hash)
    await screen.findByRole('region', { name: 'The days in figures' })
    expect(reloaded.calls('service:summary')).toEqual([{ from: '2023-07-14', to: '2023-07-17' }])
    expect(screen.getByLabelText<HTMLInputElement>('to').value).toBe('2023-07-16')
  })

  it('shows the week’s headline figures: station-hours, outage minutes and dollars, availability', async () => {
    open(WEEK)
    await screen.findByRole('region', { name: 'The days in figures' })
    // 7 days of 12,000 + 600 i minutes empty: 96,600 min. 4,800 full a day: 33,600 min.
    expect(figure('Station-hours empty').value).toBe('1,610.0 h')
    expect(figure('Station-hours full').value).toBe('560.0 h')
    // 140 + 20 i outage minutes a day, a dollar each.
    expect(figure('Cluster outage')).toEqual({ value: '1,400 min', sub: '$1,400 at $1 a minute' })
    // Known: 7 x (496,320 - 31,020 unknown - 2,880 closed) = 3,236,940 min, 130,200 of them
    // empty or full.
    expect(figure('Available, 1+ bike and dock').value).toBe('96.0%')
    expect(figure('Available, 2+ bikes and docks').value).toBe('91.0%')
    expect(figure('Station-hours unknown').value).toBe('3,619.0 h')
    expect(figure('Days with data')).toEqual({ value: '7', sub: 'all complete' })
    expect(region('The days in figures').textContent).toContain(
      'polls more than 18 min apart are not bridged',
    )
    expect(screen.queryByText(/still running/)).toBeNull()
  })

  it('says a day is still running, and reloads after polls at most once a minute', async () => {
    const days = SERVICE_DAYS.map((day) =>
      day === '2023-07-16'
        ? serviceDay(day, { complete: false, as_of: '2023-07-16T21:03:00.000Z' })
        : serviceDay(day),
    )
    const { calls, push } = open(WEEK, {
      'service:summary': (range) => serviceSummary(range, days),
    })
    await screen.findByRole('region', { name: 'The days in figures' })
    expect(figure('Days with data').sub).toBe('1 still running')
    expect(
      screen.getByText(/Sun, Jul 16 is still running: its figures are as of Jul 16, 2:03 PM/),
    ).toBeTruthy()

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const loads = calls('service:summary').length
    push('stations:changed', poll('bay_wheels'))
    await act(() => vi.advanceTimersByTime(30_000))
    push('stations:changed', poll('bay_wheels'))
    await act(() => vi.advanceTimersByTime(29_000))
    expect(calls('service:summary').length).toBe(loads)
    await act(() => vi.advanceTimersByTime(1_500))
    // One reload for the two polls, of everything the page shows.
    expect(calls('service:summary').length).toBe(loads + 1)
    expect(calls('service:stations').length).toBe(loads + 1)
    // Another city's polls change nothing here.
    push('stations:changed', poll('lyft_chi'))
    await act(() => vi.advanceTimersByTime(120_000))
    expect(calls('service:summary').length).toBe(loads + 1)
  })

  it('does not reload a finished week after polls', async () => {
    const { calls, push } = open(WEEK)
    await screen.findByRole('region', { name: 'The days in figures' })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const loads = calls('service:summary').length
    push('stations:changed', poll('bay_wheels'))
    await act(() => vi.advanceTimersByTime(120_000))
    expect(calls('service:summary').length).toBe(loads)
  })

  it('lists the worst stations first, 20 of them until asked for all, and opens one', async () => {
    open(WEEK)
    await screen.findByRole('table', { name: 'Worst stations' })
    const rows = bodyRows('Worst stations')
    expect(rows).toHaveLength(20)
    // Station 4: 740 min empty and 220 full, 960 in all; then 3 (945) and 2 (930).
    expect(rows[0]?.textContent).toContain('Valencia St at 21st St')
    expect(rows[0]?.textContent).toContain('16.0 h')
    expect(rows[1]?.textContent).toContain('Howard St at Beale St')
    expect(rows[2]?.textContent).toContain('Broadway at Kearny St')
    const hours = rows[0]?.querySelectorAll('td')[1]
    expect(hours?.className).toMatch(/\bright\b/)

    fireEvent.click(screen.getByRole('button', { name: 'Show all 26' }))
    expect(bodyRows('Worst stations')).toHaveLength(26)

    // Sorted by another column from its header, by keyboard too (a header is a button).
    const header = within(region('Worst stations')).getByRole('button', { name: /^Outage/ })
    header.focus()
    fireEvent.click(header)
    expect(bodyRows('Worst stations')[0]?.textContent).toContain('Victoria Manalo Draves Park')
    expect(header.closest('th')?.getAttribute('aria-sort')).toBe('descending')

    const [id, name] = SERVICE_STATIONS[5] ?? ['', '']
    const row = within(region('Worst stations')).getByText(name).closest('tr')
    fireEvent.click(row?.querySelector('td.num') as HTMLElement)
    expect(window.location.hash).toBe(stationHash({ systemId: 'bay_wheels', stationId: id }))
    await waitFor(() =>
      expect(screen.getByRole('link', { current: 'page' }).textContent).toBe('Stations2'),
    )
  })

  it('names each worst cluster’s stations, with its outage, cost and episodes', async () => {
    open(WEEK)
    await screen.findByRole('table', { name: 'Worst clusters' })
    const [first] = bodyRows('Worst clusters')
    const cells = [...(first?.querySelectorAll('td') ?? [])].map((cell) => cell.textContent)
    expect(cells.slice(0, 6)).toEqual([
      'Victoria Manalo Draves Park',
      'Folsom St at 13th St, Folsom St at 9th St, 8th St at Ringold St',
      '120 min',
      '$120',
      '3',
      '75 min',
    ])
    const member = within(first as HTMLElement).getByRole('link', { name: '8th St at Ringold St' })
    expect(member.getAttribute('href')).toBe(
      stationHash({ systemId: 'bay_wheels', stationId: SERVICE_STATIONS[16]?.[0] ?? '' }),
    )
    expect(region('Worst clusters').textContent).toContain('5 clusters, 3 with an outage')
  })

  it('shows the crews, the task durations and what completed tasks changed', async () => {
    open(WEEK)
    const crews = await screen.findByRole('table', { name: 'Crews' })
    const van1 = within(crews).getByText('Van 1').closest('tr')
    // 14 completed, 112 bikes in 6.5 hours: 17.2 an hour; half of the claims done in 34 min.
    expect([...(van1?.querySelectorAll('td') ?? [])].map((cell) => cell.textContent)).toEqual([
      'Van 1van-1',
      '15',
      '14',
      '1',
      '0',
      '112',
      '6.5 h',
      '17.2',
      '34 min',
    ])
    const durations = screen.getByRole('table', { name: 'Task durations' })
    expect(within(durations).getByText('Approval → claim').closest('tr')?.textContent).toBe(
      'Approval → claim12 min47 min27',
    )
    const effects = screen.getByRole('table', { name: 'What completed tasks changed' })
    expect(within(effects).getAllByRole('row').at(-1)?.textContent).toBe(
      'All 14 tasks630 → 70 min700 → 0 min',
    )
  })

  it('exports every row of every table as CSV, with its header', async () => {
    const saved: { name: string; text: Promise<string> }[] = []
    let blob: Blob | null = null
    URL.createObjectURL = (object: Blob | MediaSource) => {
      blob = object as Blob
      return 'blob:service'
    }
    URL.revokeObjectURL = () => undefined
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      if (blob) saved.push({ name: this.download, text: blob.text() })
    })
    open(WEEK)
    await screen.findByRole('table', { name: 'Worst stations' })
    await screen.findByRole('table', { name: 'What completed tasks changed' })

    const lines = async (what: string) => {
      fireEvent.click(screen.getByRole('button', { name: `Export ${what} as CSV` }))
      const file = saved.at(-1)
      return { name: file?.name, lines: (await file?.text)?.split('\r\n') ?? [] }
    }

    const stations = await lines('stations')
    expect(stations.name).toBe('service-stations-bay_wheels-2023-07-10-2023-07-16.csv')
    // All 26 stations, not the 20 on screen, and a blank after the last line end.
    expect(stations.lines).toHaveLength(1 + 26 + 1)
    expect(stations.lines[0]).toBe(
      'system_id,station_id,name,days,minutes_empty,minutes_full,minutes_unknown,minutes_closed,minutes_known,availability_1,availability_2,cluster_outage_minutes',
    )
    expect(stations.lines.find((line) => line.includes('Townsend'))).toMatch(
      /^bay_wheels,1800094563864410451,"Townsend St at 5th St, ""North""",7,/,
    )

    const clusters = await lines('clusters')
    expect(clusters.name).toBe('service-clusters-bay_wheels-2023-07-10-2023-07-16.csv')
    expect(clusters.lines).toHaveLength(1 + 5 + 1)
    expect(clusters.lines[0]).toMatch(
      /^system_id,station_id,name,members,member_ids,outage_minutes/,
    )
    expect(clusters.lines[1]).toContain(
      'Folsom St at 13th St; Folsom St at 9th St; 8th St at Ringold St',
    )

    const crews = await lines('crews')
    expect(crews.lines).toHaveLength(1 + 3 + 1)
    expect(crews.lines[0]).toMatch(/^crew_id,name,claimed,completed,released,canceled,bikes_moved/)

    const effects = await lines('task effects')
    expect(effects.name).toBe('service-effects-bay_wheels-2023-07-10-2023-07-16.csv')
    expect(effects.lines).toHaveLength(1 + 14 + 1)
    expect(effects.lines[0]).toMatch(/^task_id,worker_id,completed_at,qty,bikes_moved/)

    const days = await lines('days')
    expect(days.lines).toHaveLength(1 + 7 + 1)
    expect(days.lines[1]).toMatch(/^2023-07-10,true,/)
    expect((await lines('tasks per day')).lines).toHaveLength(1 + 7 + 1)
    const durations = await lines('task durations')
    expect(durations.lines.slice(0, 2)).toEqual([
      'step,count,median_minutes,p90_minutes,mean_minutes',
      'suggestion_to_approval,28,6,22,7.199999999999999',
    ])
  })

  it('says there is no status history yet, in words, with what to do', async () => {
    open('#/service', {
      'service:summary': (range) => serviceSummary(range, [], null),
    })
    const empty = await screen.findByText('No status history yet')
    expect(empty.parentElement?.textContent).toContain(
      'Poll a feed, or import a recorded week with balancer import-status FILE.csv.gz.',
    )
    expect(window.location.hash).toBe('#/service')
  })

  it('offers to jump to the data from days without any', async () => {
    open('#/service?from=2023-08-01&to=2023-08-04')
    await screen.findByText('No status history in these days')
    expect(screen.getByText(/The data covers Jul 10 – Jul 16, 2023/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Jump to data' }))
    expect(window.location.hash).toBe('#/service?from=2023-07-14&to=2023-07-17')
    await screen.findByRole('region', { name: 'The days in figures' })
  })

  it('shows a failure in words with a retry', async () => {
    let down = true
    open(WEEK, {
      'service:summary': (range) => {
        if (down) throw new Error('the dispatch server at http://depot:8000 did not answer')
        return serviceSummary(range)
      },
    })
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Service levels unavailable')
    expect(alert.textContent).toContain('did not answer')
    down = false
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
    await screen.findByRole('region', { name: 'The days in figures' })
  })

  it.each([
    ['an analyst', ANALYST],
    ['a dispatcher', DISPATCHER],
  ] as const)('is there for %s, fourth in the menu, on g l and 4', async (_who, session) => {
    const { unmount } = open('', {}, session)
    await screen.findByRole('heading', { name: 'Overview' })
    const nav = screen.getByRole('navigation', { name: 'Views' })
    const links = within(nav).getAllByRole('link')
    expect(links[3]?.textContent).toBe('Service4')
    fireEvent.keyDown(window, { key: '4' })
    expect(await screen.findByRole('heading', { name: 'Service', level: 1 })).toBeTruthy()
    fireEvent.keyDown(window, { key: 'g' })
    fireEvent.keyDown(window, { key: 'o' })
    await screen.findByRole('heading', { name: 'Overview' })
    fireEvent.keyDown(window, { key: 'g' })
    fireEvent.keyDown(window, { key: 'l' })
    await screen.findByRole('region', { name: 'The days in figures' })
    expect(window.location.hash).toBe(WEEK)
    unmount()
    window.location.hash = ''
  })

  it('lists its keys in the help, and the tenth view answers to 0', async () => {
    open(WEEK)
    await screen.findByRole('region', { name: 'The days in figures' })
    fireEvent.keyDown(window, { key: '?' })
    const help = screen.getByRole('dialog', { name: 'Keyboard shortcuts' })
    for (const words of [
      'Earlier / later range of days',
      'The last 7 days of data',
      'The last 30 days of data (shift + w)',
      'The daily report of the chosen day',
      'Print, or save as PDF',
      'Previous / next day',
      'System, the tenth',
    ]) {
      expect(help.textContent).toContain(words)
    }
    expect(within(help).getByText('Service', { selector: 'dd' }).previousSibling?.textContent).toBe(
      'gl',
    )
    fireEvent.keyDown(window, { key: 'Escape' })
    fireEvent.keyDown(window, { key: '0' })
    expect(await screen.findByRole('heading', { name: 'System' })).toBeTruthy()
  })
})

describe('the daily report', () => {
  it('opens from the Service page on the range’s last day, by button or r', async () => {
    open(WEEK)
    await screen.findByRole('region', { name: 'The days in figures' })
    const day = screen.getByLabelText<HTMLInputElement>('Daily report')
    expect(day.value).toBe('2023-07-16')
    fireEvent.change(day, { target: { value: '2023-07-12' } })
    expect(screen.getByRole('link', { name: 'Open report' }).getAttribute('href')).toBe(
      '#/service/report/bay_wheels/2023-07-12?from=2023-07-10&to=2023-07-17',
    )
    fireEvent.keyDown(window, { key: 'r' })
    await screen.findByRole('heading', { name: 'Bay Wheels: Wednesday, July 12, 2023' })
    // The report belongs to Service, and its way back returns to the days it came from.
    expect(screen.getByRole('link', { current: 'page' }).textContent).toBe('Service4')
    expect(screen.getByRole('link', { name: '← Service' }).getAttribute('href')).toBe(
      '#/service?system=bay_wheels&from=2023-07-10&to=2023-07-17',
    )
  })

  it('prints the day: figures, stations, clusters, tasks and crews, and a print button', async () => {
    const print = vi.fn()
    window.print = print
    const { calls } = open('#/service/report/bay_wheels/2023-07-16')
    const report = await screen.findByRole('article', { name: 'Daily service report' })
    expect(calls('service:report')).toEqual([{ system: 'bay_wheels', day: '2023-07-16' }])
    expect(within(report).getByRole('heading', { level: 1 }).textContent).toBe(
      'Bay Wheels: Sunday, July 16, 2023',
    )
    expect(report.textContent).toContain('Service hours06:00–22:00 (America/Los_Angeles)')
    expect(report.textContent).not.toContain('As of')
    // Day 6: 15,600 min empty, 4,800 full; 260 outage minutes.
    const stat = (label: string) =>
      within(report).getByText(label, { selector: '.stat-label' }).previousElementSibling
        ?.textContent
    expect(stat('Station-hours empty')).toBe('260.0 h')
    expect(stat('Station-hours full')).toBe('80.0 h')
    expect(stat('Cluster outage')).toBe('260 min')

    // Of 26 stations, 25 were empty or full (station 25 was neither), most first.
    const stations = within(report).getByRole('table', { name: 'Stations empty or full' })
    const rows = within(stations).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(25)
    expect(rows[0]?.textContent).toContain('Valencia St at 21st St')
    expect(rows.some((row) => row.textContent.includes('Townsend St at 5th St'))).toBe(false)
    expect(within(report).getByText('Stations empty or full (25)')).toBeTruthy()
    const clusters = within(report).getByRole('table', { name: 'Clusters with an outage' })
    expect(within(clusters).getAllByRole('row')).toHaveLength(1 + 3)
    expect(within(report).getByText('Handed out', { selector: '.stat-label' })).toBeTruthy()
    expect(within(report).getByRole('table', { name: 'Crews' })).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Print / Save as PDF' }))
    expect(print).toHaveBeenCalledTimes(1)
    fireEvent.keyDown(window, { key: 'p' })
    expect(print).toHaveBeenCalledTimes(2)

    fireEvent.keyDown(window, { key: '[' })
    expect(window.location.hash).toBe('#/service/report/bay_wheels/2023-07-15')
    await within(report).findByText('Bay Wheels: Saturday, July 15, 2023')
  })

  it('says when the day is still running, as of when', async () => {
    open('#/service/report/bay_wheels/2023-07-16', {
      'service:report': ({ day }) =>
        serviceReport(day, { complete: false, as_of: '2023-07-16T21:03:00.000Z' }),
    })
    const report = await screen.findByRole('article', { name: 'Daily service report' })
    expect(report.textContent).toContain('As ofJul 16, 2:03 PM: the day is still running')
  })

  it('says so when the day has no status history, and links the last day that has', async () => {
    open('#/service/report/bay_wheels/2023-07-20', {
      'service:report': ({ day }) => serviceReport(day, { snapshots: 0 }),
    })
    const empty = await screen.findByText('No status history on Thursday, July 20, 2023')
    expect(empty.parentElement?.textContent).toContain(
      'The history runs from Monday, July 10, 2023 to Sunday, July 16, 2023.',
    )
    expect(screen.getByRole('link', { name: 'Sunday, July 16, 2023' }).getAttribute('href')).toBe(
      '#/service/report/bay_wheels/2023-07-16',
    )
    expect(screen.queryByRole('article')).toBeNull()
  })

  it('points to where history comes from when the system has none at all', async () => {
    open('#/service/report/bay_wheels/2023-07-20', {
      'service:report': ({ day }) => ({ ...serviceReport(day, { snapshots: 0 }), data: null }),
    })
    const empty = await screen.findByText('No status history on Thursday, July 20, 2023')
    expect(empty.parentElement?.textContent).toContain('balancer import-status FILE.csv.gz')
  })

  it('shows a failure with a retry; an address without a day is the Service page', async () => {
    let down = true
    open('#/service/report/bay_wheels/2023-07-16', {
      'service:report': ({ day }) => {
        if (down) throw new Error('service:report: the database is down')
        return serviceReport(day)
      },
    })
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Daily report unavailable')
    down = false
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
    await screen.findByRole('article', { name: 'Daily service report' })
    cleanup()

    open('#/service/report/bay_wheels/yesterday')
    await screen.findByRole('region', { name: 'The days in figures' })
    expect(window.location.hash).toBe(WEEK)
  })
})
