import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { StationLive } from '../../src/shared/feeds'
import type { FlowSeries, StationProfile } from '../../src/shared/flows'
import type { StationHistory } from '../../src/shared/stations'
import { FILL_LEGEND, fillLevel } from '../../src/renderer/src/common/fill'
import { countLevels, MapView } from '../../src/renderer/src/map/MapView'
import {
  flowRows,
  MAX_CHART_POINTS,
  profileRows,
  timeTicks,
} from '../../src/renderer/src/station/chart-data'
import { flowTotals } from '../../src/renderer/src/station/charts'
import { StationView } from '../../src/renderer/src/station/StationView'
import { forgetStationsTable, StationsView } from '../../src/renderer/src/stations/StationsView'
import { contentSecurityPolicy } from '../../src/shared/csp'
import { DISPATCHER, fakeConsole, station, task, type FakeAnswers } from './fake-console'

/** A big network: 2,329 stations over two systems, as with the Divvy and Bay Wheels captures. */
function network(bump = 0): StationLive[] {
  return Array.from({ length: 2_329 }, (_, i) => {
    const divvy = i < 1_811
    const bikes = (i * 7) % 23
    return station(`S${i}`, `${divvy ? 'Chicago' : 'SF'} station ${i}`, bikes + bump, 23 - bikes, {
      systemId: divvy ? 'lyft_chi' : 'fgb',
      systemName: divvy ? 'Divvy' : 'Bay Wheels',
      timeZone: divvy ? 'America/Chicago' : 'America/Los_Angeles',
      regionId: divvy ? null : String(3 + (i % 3)),
      lat: divvy ? 41.88 : 37.77,
      lon: divvy ? -87.63 : -122.42,
    })
  })
}

const props = (answers: FakeAnswers = {}) => {
  const fake = fakeConsole(answers)
  return {
    fake,
    view: {
      client: fake.client,
      session: DISPATCHER,
      timeZone: 'America/Los_Angeles',
      keysEnabled: true,
    },
  }
}

beforeAll(() => {
  // jsdom lays nothing out: the table's scroller is given a window's height, so the virtualizer
  // has rows to show (and hides the rest).
  for (const [name, size] of [
    ['clientHeight', 720],
    ['clientWidth', 1_200],
  ] as const) {
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get(this: HTMLElement) {
        // The map too: Leaflet sizes its view (and the stations it groups) from its container.
        return this.classList.contains('table-scroll') || this.classList.contains('map') ? size : 0
      },
    })
  }
  // Leaflet's canvas renderer draws through a 2D context jsdom does not have: every call is a no-op.
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
beforeEach(() => {
  forgetStationsTable()
  window.location.hash = ''
  window.localStorage.clear()
})
afterEach(cleanup)

const bodyRows = () => document.querySelectorAll('tr.station-row')
const firstNames = (n: number) =>
  [...bodyRows()].slice(0, n).map((row) => row.querySelector('.station-link')?.textContent)

describe('the stations table', () => {
  it('shows every station in a virtual list: far fewer rows in the page than stations', async () => {
    const { view } = props({ 'feeds:stations': () => network() })
    render(<StationsView {...view} />)
    expect(await screen.findByText(/2,329 stations/)).toBeTruthy()
    const rendered = bodyRows().length
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(80)
    expect(screen.getByRole('table').getAttribute('aria-rowcount')).toBe('2329')
  })

  it('sorts by any column, by click or keyboard, numbers right-aligned', async () => {
    const stations = [
      station('A', 'Alpha', 3, 10),
      station('B', 'Bravo', 12, 1),
      station('C', 'Charlie', 0, 13),
      station('D', 'Delta', 7, 6, { stale: true, staleReason: 'report_old', staleDetail: 'old' }),
    ]
    const { view } = props({ 'feeds:stations': () => stations })
    render(<StationsView {...view} />)
    await screen.findByText('Alpha')
    // Most urgent first by default: the seed's score (not-live stations last).
    expect(firstNames(4)).toEqual(['Charlie', 'Bravo', 'Alpha', 'Delta'])
    const header = (name: string) => screen.getByRole('button', { name: new RegExp(`^${name}`) })
    fireEvent.click(header('Bikes'))
    expect(firstNames(4)).toEqual(['Bravo', 'Delta', 'Alpha', 'Charlie'])
    expect(header('Bikes').closest('th')?.getAttribute('aria-sort')).toBe('descending')
    fireEvent.click(header('Bikes'))
    expect(firstNames(4)).toEqual(['Charlie', 'Alpha', 'Delta', 'Bravo'])
    // A header is a button: Tab to it and press Enter (a button's click).
    header('Station').focus()
    fireEvent.keyDown(header('Station'), { key: 'Enter' })
    fireEvent.click(header('Station'))
    expect(firstNames(4)).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta'])
    const bikesCell = bodyRows()[0]?.querySelectorAll('td')[3]
    expect(bikesCell?.className).toMatch(/\bright\b/)
    expect(bikesCell?.className).toMatch(/\bnum\b/)
  })

  it('filters by text, critical only, system and region', async () => {
    const { view } = props({ 'feeds:stations': () => network() })
    render(<StationsView {...view} />)
    await screen.findByText(/2,329 stations/)
    fireEvent.change(screen.getByPlaceholderText(/Search name or id/), {
      target: { value: 'SF station 2,31' },
    })
    fireEvent.change(screen.getByPlaceholderText(/Search name or id/), {
      target: { value: 'station 231' },
    })
    // Chicago's "station 231" and Bay Wheels' "station 2310" to "2319", and no other.
    await waitFor(() =>
      expect(document.querySelector('.view-meta')?.textContent).toMatch(/^11 of 2,329 stations/),
    )
    fireEvent.change(screen.getByPlaceholderText(/Search name or id/), { target: { value: '' } })
    fireEvent.change(screen.getByRole('combobox', { name: 'System' }), { target: { value: 'fgb' } })
    expect(screen.getByText(/^518 of 2,329 stations/)).toBeTruthy()
    fireEvent.change(screen.getByRole('combobox', { name: 'Region' }), { target: { value: '4' } })
    const inRegion = network().filter((s) => s.regionId === '4').length
    expect(screen.getByText(new RegExp(`^${inRegion} of 2,329 stations`))).toBeTruthy()
    fireEvent.click(screen.getByLabelText('Only critical'))
    const critical = network().filter(
      (s) =>
        s.systemId === 'fgb' && s.regionId === '4' && ((s.bikes ?? 0) <= 2 || (s.docks ?? 0) <= 2),
    ).length
    expect(screen.getByText(new RegExp(`^${critical} of 2,329 stations`))).toBeTruthy()
    for (const row of bodyRows()) {
      expect(row.querySelector('.score')).toBeTruthy()
    }
  })

  it('keeps its sort, filter and scroll position when a poll brings new numbers', async () => {
    let bump = 0
    const { view, fake } = props({ 'feeds:stations': () => network(bump) })
    render(<StationsView {...view} />)
    await screen.findByText(/2,329 stations/)
    fireEvent.change(screen.getByRole('combobox', { name: 'System' }), {
      target: { value: 'lyft_chi' },
    })
    fireEvent.click(screen.getByRole('button', { name: /^Docks/ }))
    const scroller = document.querySelector('.table-scroll') as HTMLElement
    scroller.scrollTop = 3_000
    fireEvent.scroll(scroller)
    const before = firstNames(3)
    // One system chosen: its name is in the title, and the System column is left out.
    expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/^Stations · /)
    const bikesColumn = [...document.querySelectorAll('.stations-table thead th')].findIndex((th) =>
      th.textContent.startsWith('Bikes'),
    )
    expect(bikesColumn).toBe(2)
    const shownBikes = () => bodyRows()[0]?.querySelectorAll('td')[bikesColumn]?.textContent

    bump = 1
    const bikesBefore = shownBikes()
    fake.push('stations:changed', {
      feedId: 1,
      pollId: 2,
      systemId: 'lyft_chi',
      outcome: 'ok',
      statusRowsWritten: 2_329,
      at: new Date().toISOString(),
    })
    await waitFor(() => expect(fake.calls('feeds:stations')).toHaveLength(2))
    await waitFor(() => expect(shownBikes()).toBe(String(Number(bikesBefore) + 1)))
    expect(scroller.scrollTop).toBe(3_000)
    expect(screen.getByText(/^1,811 of 2,329 stations/)).toBeTruthy()
    expect(
      screen
        .getByRole('button', { name: /^Docks/ })
        .closest('th')
        ?.getAttribute('aria-sort'),
    ).toBe('descending')
    expect(firstNames(3)).toEqual(before)
  })

  it('opens a station from its row, and from the keyboard', async () => {
    const { view } = props({
      'feeds:stations': () => [station('A', 'Alpha', 3, 10), station('B 1/2', 'Bravo', 0, 10)],
    })
    render(<StationsView {...view} />)
    await screen.findByText('Alpha')
    // Anywhere on the row; the name itself is a link to the same address.
    fireEvent.click(bodyRows()[1]?.querySelectorAll('td')[3] as HTMLElement)
    expect(window.location.hash).toBe('#/station/bay_wheels/A')
    expect(screen.getByText('Alpha').getAttribute('href')).toBe('#/station/bay_wheels/A')
    fireEvent.keyDown(window, { key: 'j' })
    fireEvent.keyDown(window, { key: 'Enter' })
    expect(window.location.hash).toBe('#/station/bay_wheels/B%201%2F2')
  })
})

describe('the map', () => {
  it('draws every station as a dot with a legend of fill levels', async () => {
    const stations = network().slice(1_811)
    const { view } = props({ 'feeds:stations': () => stations })
    render(<MapView {...view} />)
    const map = await screen.findByRole('application')
    await waitFor(() => expect(map.getAttribute('data-dots')).toBe('518'))
    const legend = screen.getByLabelText('Legend')
    const counts = countLevels(stations)
    for (const item of FILL_LEGEND) {
      expect(within(legend).getByText(item.label).nextElementSibling?.textContent).toBe(
        counts[item.level].toLocaleString(),
      )
    }
    expect(screen.getByText('OpenStreetMap')).toBeTruthy()
  })

  it('with tiles off (or offline) still draws the dots, on a plain background', async () => {
    window.localStorage.setItem('balancer.mapTiles', 'off')
    const asked: string[] = []
    const { view } = props({
      'feeds:stations': () => network().slice(0, 300),
      // Tiles come through the console's own server, never from the page to the internet.
      'map:tileData': ({ z, x, y }) => {
        asked.push(`${z}/${x}/${y}`)
        return {
          content_type: 'image/png',
          data_url: 'data:image/png;base64,iVBORw0KGgo=',
          source: 'cache',
        }
      },
    })
    render(<MapView {...view} />)
    const map = await screen.findByRole('application')
    await waitFor(() => expect(map.getAttribute('data-dots')).toBe('300'))
    expect(map.className).toMatch(/map-plain/)
    expect(map.querySelectorAll('img.leaflet-tile')).toHaveLength(0)
    fireEvent.click(screen.getByLabelText('Map tiles'))
    await waitFor(() => expect(map.querySelectorAll('img.leaflet-tile').length).toBeGreaterThan(0))
    await waitFor(() => expect(asked.length).toBeGreaterThan(0))
    expect(window.localStorage.getItem('balancer.mapTiles')).toBe('on')
  })

  it('colours by the seed thresholds, grey for numbers that are not live', () => {
    expect(fillLevel(station('a', 'a', 0, 10))).toBe('empty')
    expect(fillLevel(station('a', 'a', 2, 10))).toBe('low')
    expect(fillLevel(station('a', 'a', 8, 8))).toBe('ok')
    expect(fillLevel(station('a', 'a', 10, 2))).toBe('high')
    expect(fillLevel(station('a', 'a', 10, 0))).toBe('full')
    expect(fillLevel(station('a', 'a', 0, 10, { stale: true }))).toBe('stale')
  })

  it('loads images from itself and data: URLs only (tiles come through the server)', () => {
    const imgSrc = contentSecurityPolicy()
      .split('; ')
      .find((directive) => directive.startsWith('img-src '))
    expect(imgSrc).toBe("img-src 'self' data:")
  })
})

function series(points: number, perBin = (i: number) => [i % 3, i % 5]): FlowSeries {
  const start = Date.parse('2018-02-01T08:00:00Z')
  const list = Array.from({ length: points }, (_, i) => {
    const [outflow = 0, inflow = 0] = perBin(i)
    return {
      start: new Date(start + i * 900_000).toISOString(),
      local: `bin ${i}`,
      outflow,
      inflow,
    }
  })
  return {
    systemId: 'fgb',
    stationId: '15',
    stationName: 'Ferry Building',
    timeZone: 'America/Los_Angeles',
    bin: '15min',
    from: list[0]?.start ?? '',
    to: '',
    points: list,
    totals: {
      outflow: list.reduce((sum, p) => sum + p.outflow, 0),
      inflow: list.reduce((sum, p) => sum + p.inflow, 0),
    },
  }
}

describe('chart data', () => {
  it('keeps the series totals, and never more than 2,000 points however long the series', () => {
    for (const length of [96, 2_000, 2_976, 35_040]) {
      const given = series(length)
      const rows = flowRows(given)
      expect(rows.length).toBeLessThanOrEqual(MAX_CHART_POINTS)
      expect(flowTotals(rows)).toEqual(given.totals)
    }
  })

  it('averages the profile over the chosen days, weighted by how many of each there were', () => {
    const profile: StationProfile = {
      systemId: 'fgb',
      stationId: '15',
      stationName: 'x',
      timeZone: 'America/Los_Angeles',
      bin: 'hour',
      from: '2018-02-01',
      to: '2018-03-01',
      days: [4, 4, 4, 5, 4, 4, 3],
      cells: [
        { dayOfWeek: 1, minuteOfDay: 480, outflow: 10, inflow: 2 },
        { dayOfWeek: 4, minuteOfDay: 480, outflow: 20, inflow: 4 },
        { dayOfWeek: 6, minuteOfDay: 480, outflow: 1, inflow: 1 },
      ],
    }
    const [eight] = profileRows(profile, [1, 2, 3, 4, 5])
    expect(eight?.label).toBe('08:00')
    expect(eight?.outflow).toBeCloseTo((10 * 4 + 20 * 5) / 21, 6)
  })

  it("puts ticks on round times of the system's clock", () => {
    const start = Date.parse('2018-02-22T08:00:00Z')
    const week = timeTicks(start, start + 7 * 86_400_000, 'America/Los_Angeles')
    expect(week.ticks.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(
      Array(8).fill('08:00'),
    )
    const day = timeTicks(start, start + 86_400_000, 'America/Chicago')
    expect(day.ticks).toHaveLength(8)
  })
})

describe("a station's page", () => {
  const ferry = station('15', 'Ferry Building', 4, 11, {
    systemId: 'fgb',
    bikesDisabled: 1,
    docksDisabled: 2,
    capacity: 19,
    score: 0,
  })
  const profile: StationProfile = {
    systemId: 'fgb',
    stationId: '15',
    stationName: 'Ferry Building',
    timeZone: 'America/Los_Angeles',
    bin: 'hour',
    from: '2018-02-01',
    to: '2018-03-01',
    days: [4, 4, 4, 4, 4, 4, 4],
    cells: [{ dayOfWeek: 1, minuteOfDay: 480, outflow: 10, inflow: 2 }],
  }
  const history: StationHistory = {
    systemId: 'fgb',
    stationId: '15',
    stationName: 'Ferry Building',
    timeZone: 'America/Los_Angeles',
    from: new Date(Date.now() - 86_400_000).toISOString(),
    to: new Date().toISOString(),
    changes: 2,
    bucketSeconds: null,
    points: [
      {
        at: new Date(Date.now() - 86_400_000).toISOString(),
        bikes: 9,
        ebikes: 1,
        docks: 10,
        minBikes: 9,
        maxBikes: 9,
        isRenting: true,
      },
      {
        at: new Date().toISOString(),
        bikes: 4,
        ebikes: 1,
        docks: 15,
        minBikes: 4,
        maxBikes: 4,
        isRenting: true,
      },
    ],
    gaps: [],
    lastDataAt: new Date().toISOString(),
  }
  const answers = (more: FakeAnswers = {}): FakeAnswers => ({
    'feeds:stations': (query) =>
      query.stationId ? [ferry] : [ferry, station('16', 'Embarcadero', 2, 10, { systemId: 'fgb' })],
    'flows:profile': () => profile,
    'flows:station': (request) => series(request.bin === 'hour' ? 30 * 24 : 7 * 96),
    'stations:history': () => history,
    'stations:nearby': () => [
      { ...station('16', 'Embarcadero', 2, 10, { systemId: 'fgb' }), distanceMeters: 230 },
    ],
    'suggestions:list': () => [],
    'tasks:list': () => ({
      tasks: [task(5, { system_id: 'fgb', from_station_id: '16', to_station_id: '15' })],
      next_cursor: null,
    }),
    ...more,
  })

  it('shows the live numbers, the flow totals of the series, neighbours and the work', async () => {
    const { view, fake } = props(answers())
    render(<StationView {...view} station={{ systemId: 'fgb', stationId: '15' }} />)
    expect(await screen.findByRole('heading', { name: 'Ferry Building' })).toBeTruthy()
    const week = series(7 * 96)
    const flows = await screen.findByRole('region', { name: 'Trips in and out' })
    await waitFor(() =>
      expect(within(flows).getByText('Arrivals').querySelector('strong')?.textContent).toBe(
        week.totals.inflow.toLocaleString(),
      ),
    )
    expect(within(flows).getByText('Departures').querySelector('strong')?.textContent).toBe(
      week.totals.outflow.toLocaleString(),
    )
    // The week before the last imported day, at 15 minutes.
    expect(fake.calls('flows:station')[0]).toMatchObject({
      systemId: 'fgb',
      stationId: '15',
      from: '2018-02-22',
      to: '2018-03-01',
      bin: '15min',
    })
    fireEvent.click(within(flows).getByRole('button', { name: 'Month' }))
    await waitFor(() =>
      expect(fake.calls('flows:station').at(-1)).toMatchObject({
        from: '2018-01-30',
        bin: 'hour',
      }),
    )
    expect(within(flows).getByRole('option', { name: '15 min' }).hasAttribute('disabled')).toBe(
      true,
    )
    expect(await screen.findByText('230 m')).toBeTruthy()
    expect(screen.getByText('Task #5 ready')).toBeTruthy()
    expect(screen.getByText('from Embarcadero')).toBeTruthy()
    expect(screen.getByText('2 changes')).toBeTruthy()
    expect(fake.calls('suggestions:list')[0]).toMatchObject({ station: '15', system: 'fgb' })
  })

  it('says to import trips when the system has none', async () => {
    const { view } = props(
      answers({
        'flows:profile': () => {
          throw new Error(
            'system fgb has no imported trips; give from and to, or import trips first',
          )
        },
      }),
    )
    render(<StationView {...view} station={{ systemId: 'fgb', stationId: '15' }} />)
    expect((await screen.findAllByText('Import trips to see flows')).length).toBeGreaterThan(0)
  })
})
