import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { COLUMNS, columnsFor } from '../../src/renderer/src/stations/columns'
import { HIDDEN_COLUMNS_KEY } from '../../src/renderer/src/stations/ColumnChooser'
import { stationsCsvRows } from '../../src/renderer/src/stations/stations-csv'
import { forgetStationsTable, StationsView } from '../../src/renderer/src/stations/StationsView'
import { DEFAULT_SORT, sortStations } from '../../src/renderer/src/stations/table-model'
import { DISPATCHER, fakeConsole, station, type FakeAnswers } from './fake-console'

beforeAll(() => {
  // jsdom lays nothing out: the table's scroller is given a window's height, so the virtualizer
  // has rows to show.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('table-scroll') ? 720 : 0
    },
  })
})
beforeEach(() => {
  forgetStationsTable()
  window.localStorage.clear()
})
afterEach(cleanup)

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

/** Whether the table has a column headed `label`. */
const hasColumn = (label: string) =>
  [...document.querySelectorAll('.stations-table thead th')].some((th) =>
    th.textContent.startsWith(label),
  )

describe('a stations table that fits', () => {
  it('folds columns away, least needed first, until the rest fit the width', () => {
    const all = columnsFor(null, new Set())
    expect(all.shown).toHaveLength(COLUMNS.length)
    const full = COLUMNS.reduce((sum, column) => sum + column.width, 0)
    expect(columnsFor(full, new Set()).folded).toEqual([])
    // 1366x768: the content beside the sidebar is about 1,100 px wide.
    const laptop = columnsFor(1_100, new Set())
    expect(laptop.shown.reduce((sum, column) => sum + column.width, 0)).toBeLessThanOrEqual(1_100)
    expect(laptop.shown.map((column) => column.key)).toEqual(
      expect.arrayContaining(['name', 'bikes', 'docks', 'score', 'lastReported']),
    )
    expect(laptop.folded[0]).toBe('system')
    // Narrower still: the name, bikes and docks stay whatever happens.
    const narrow = columnsFor(300, new Set())
    expect(narrow.shown.map((column) => column.key)).toEqual(['name', 'bikes', 'docks'])
  })

  it('orders "most urgent" by how empty or full, not by the 70/30 score then the name', () => {
    const stations = [
      station('1', 'Alamo', 2, 15, { score: 70 }),
      station('2', 'Bryant', 0, 17, { score: 70 }),
      station('3', 'Castro', 14, 0, { score: 30 }),
      station('4', 'Dolores', 1, 16, { score: 70 }),
      station('5', 'Embarcadero', 8, 9, { score: 0 }),
      station('6', 'Folsom', 0, 12, { score: 70, stale: true }),
    ]
    expect(sortStations(stations, DEFAULT_SORT).map((s) => s.name)).toEqual([
      'Bryant', // empty
      'Castro', // full
      'Dolores', // 1 bike
      'Alamo', // 2 bikes
      'Embarcadero',
      'Folsom', // not live: last
    ])
  })

  it('lets the dispatcher hide a column, remembered for the next visit', async () => {
    const stations = [station('1', 'Alamo', 2, 15), station('2', 'Bryant', 0, 17)]
    const first = props({ 'feeds:stations': () => stations })
    render(<StationsView {...first.view} />)
    await screen.findByText('Alamo')
    // One system in view: its name once, in the title, and no System column.
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Stations · Bay Wheels')
    expect(hasColumn('System')).toBe(false)
    expect(hasColumn('Capacity')).toBe(true)
    fireEvent.click(screen.getByText('Columns'))
    fireEvent.click(screen.getByRole('checkbox', { name: /^Capacity/ }))
    expect(hasColumn('Capacity')).toBe(false)
    expect(JSON.parse(window.localStorage.getItem(HIDDEN_COLUMNS_KEY) ?? '[]')).toEqual([
      'capacity',
    ])
    cleanup()
    const again = props({ 'feeds:stations': () => stations })
    render(<StationsView {...again.view} />)
    await screen.findByText('Alamo')
    expect(hasColumn('Capacity')).toBe(false)
    expect(hasColumn('Docks')).toBe(true)
  })

  it("names regions as the feed's system_regions does, in the table and the filter", async () => {
    const stations = [
      station('1', 'Alamo', 2, 15, { regionId: '12', regionName: 'Oakland' }),
      station('2', 'Bryant', 0, 17, { regionId: '3', regionName: 'San Francisco' }),
      station('3', 'Castro', 5, 5, { regionId: '7', regionName: null }),
    ]
    const { view } = props({ 'feeds:stations': () => stations })
    render(<StationsView {...view} />)
    await screen.findByText('Alamo')
    expect(screen.getByText('Oakland', { selector: 'td' })).toBeTruthy()
    expect(screen.getByText('7', { selector: 'td' })).toBeTruthy()
    const filter = screen.getByRole('combobox', { name: 'Region' })
    expect([...filter.querySelectorAll('option')].map((option) => option.textContent)).toEqual([
      'All',
      '7',
      'Oakland',
      'San Francisco',
    ])
  })

  it('exports every field of the rows in view as CSV, the header first', () => {
    const rows = stationsCsvRows([
      station('1', 'Alamo, "Square"', 2, 15, {
        regionId: '3',
        regionName: 'San Francisco',
        score: 70,
      }),
    ])
    expect(rows[0]?.slice(0, 8)).toEqual([
      'system_id',
      'system_name',
      'station_id',
      'name',
      'short_name',
      'region_id',
      'region_name',
      'bikes',
    ])
    expect(rows[1]?.slice(0, 7)).toEqual([
      'bay_wheels',
      'Bay Wheels',
      '1',
      'Alamo, "Square"',
      null,
      '3',
      'San Francisco',
    ])
    expect(rows).toHaveLength(2)
  })
})
