import { cleanup, render, screen, within } from '@testing-library/react'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stationsCsvRows } from '../../src/renderer/src/stations/stations-csv'
import { StationFlags } from '../../src/renderer/src/stations/StationFlags'
import { forgetStationsTable, StationsView } from '../../src/renderer/src/stations/StationsView'
import {
  DEFAULT_SORT,
  sortStations,
  urgencyBasis,
} from '../../src/renderer/src/stations/table-model'
import { DISPATCHER, fakeConsole, station } from './fake-console'

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

const failures = (expectedFailures: number) => ({
  expectedFailures,
  expectedFailuresHorizonMinutes: 180,
})

/** The same six stations, with the engine's expected failures or without (no model). */
function stations(withModel: boolean) {
  const f = (value: number) => (withModel ? failures(value) : {})
  return [
    station('1', 'Alamo', 2, 15, f(0.4)),
    station('2', 'Bryant', 0, 17, f(0.9)),
    station('3', 'Castro', 14, 0, f(4.25)),
    station('4', 'Dolores', 1, 16, f(0.9)),
    station('5', 'Embarcadero', 8, 9, f(3.1)),
    station('6', 'Folsom', 0, 12, { stale: true, ...f(9) }),
  ]
}

describe('"most urgent" in the stations table', () => {
  it('orders by the engine’s expected failures, ties by how empty or full, not-live last', () => {
    const withModel = stations(true)
    expect(urgencyBasis(withModel)).toBe('failures')
    expect(sortStations(withModel, DEFAULT_SORT).map((s) => s.name)).toEqual([
      'Castro', // 4.25
      'Embarcadero', // 3.1, though neither empty nor full
      'Bryant', // 0.9 and empty
      'Dolores', // 0.9 and 1 bike
      'Alamo', // 0.4
      'Folsom', // not live: its number is not read
    ])
    // Reversed: least expected failures first, not-live still last.
    const ascending = sortStations(withModel, { key: 'score', direction: 'asc' })
    expect(ascending.map((s) => s.name)).toEqual([
      'Alamo',
      'Dolores',
      'Bryant',
      'Embarcadero',
      'Castro',
      'Folsom',
    ])
  })

  it('falls back to how empty or full when the system has no demand model', () => {
    const noModel = stations(false)
    expect(urgencyBasis(noModel)).toBe('fill')
    expect(sortStations(noModel, DEFAULT_SORT).map((s) => s.name)).toEqual([
      'Bryant', // empty
      'Castro', // full
      'Dolores', // 1 bike
      'Alamo', // 2 bikes
      'Embarcadero',
      'Folsom',
    ])
  })

  it('shows the expected failures with their horizon, or says it orders by fill', async () => {
    const show = async (withModel: boolean) => {
      const fake = fakeConsole({ 'feeds:stations': () => stations(withModel) })
      render(
        <StationsView
          client={fake.client}
          session={DISPATCHER}
          timeZone="America/Los_Angeles"
          keysEnabled
        />,
      )
      await screen.findByText('Alamo')
    }
    await show(true)
    const cell = screen.getByTitle('4.3 expected failures in the next 3 h')
    expect(within(cell).getByText('4.3')).toBeTruthy()
    expect(screen.getByText(/most urgent by expected failures/)).toBeTruthy()
    cleanup()
    forgetStationsTable()
    await show(false)
    expect(screen.queryByTitle(/expected failures in the next/)).toBeNull()
    expect(
      screen.getByText(/most urgent by how empty or full \(no demand model yet\)/),
    ).toBeTruthy()
  })

  it('exports the expected failures in the CSV', () => {
    const [header, row] = stationsCsvRows([station('1', 'Alamo', 2, 15, failures(1.25))])
    const at = header?.indexOf('expected_failures') ?? -1
    expect(at).toBeGreaterThan(0)
    expect(row?.[at]).toBe(1.25)
  })
})

describe('the status column at 1366x768', () => {
  it('folds a second flag into "+1", every flag in the title', () => {
    render(
      <StationFlags
        station={station('1', 'Alamo', 2, 15, {
          isReturning: false,
          stale: true,
          staleReason: 'report_old',
          staleDetail: 'last reported 3 d ago',
        })}
      />,
    )
    expect(screen.getByText('Not returning')).toBeTruthy()
    expect(screen.queryByText('Old report')).toBeNull()
    const more = screen.getByText('+1')
    expect(more.getAttribute('aria-label')).toBe('and Old report')
    expect(more.parentElement?.getAttribute('title')).toBe(
      'Not returning · Not live: last reported 3 d ago',
    )
  })
})
