import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { historyRows } from '../../src/renderer/src/station/chart-data'
import { datesWithin, HistoryPanel } from '../../src/renderer/src/station/HistoryPanel'
import { ProfilePanel } from '../../src/renderer/src/station/ProfilePanel'
import { historyCsv } from '../../src/shared/station-csv'
import type { HistoryPoint, StationHistory } from '../../src/shared/stations'
import { fakeConsole } from './fake-console'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

const point = (at: string, bikes: number, docks = 20 - bikes): HistoryPoint => ({
  at,
  bikes,
  ebikes: 0,
  docks,
  minBikes: bikes,
  maxBikes: bikes,
  isRenting: true,
})

/** July 2023's recorded week, then nothing until November 2026: the case the issue saw. */
function months(): StationHistory {
  return {
    systemId: 'bay_wheels',
    stationId: '15',
    stationName: 'Ferry Building',
    timeZone: 'America/Los_Angeles',
    from: '2023-07-16T07:00:00.000Z',
    to: '2026-11-07T08:00:00.000Z',
    changes: 3,
    bucketSeconds: null,
    points: [
      point('2023-07-16T07:00:00.000Z', 5),
      point('2023-07-16T09:00:00.000Z', 7),
      // The history's last point repeats the last state at the range's end.
      point('2026-11-07T08:00:00.000Z', 7),
    ],
    gaps: [{ from: '2023-07-17T07:00:00.000Z', to: '2026-11-07T08:00:00.000Z' }],
    lastDataAt: '2023-07-17T07:00:00.000Z',
  }
}

const at = (iso: string) => Date.parse(iso)

describe('bikes over time', () => {
  it('breaks the line at a gap instead of carrying the last reading across months', () => {
    const rows = historyRows(months())
    expect(rows.map((row) => [new Date(row.at).toISOString(), row.bikes])).toEqual([
      ['2023-07-16T07:00:00.000Z', 5],
      ['2023-07-16T09:00:00.000Z', 7],
      // The state reaches the last reading, then nothing is known.
      ['2023-07-17T07:00:00.000Z', 7],
      ['2023-07-17T07:00:00.000Z', null],
    ])
    // Nothing is drawn at "Nov 7, 2026: Bikes 7".
    expect(rows.some((row) => row.at >= at('2023-07-18T00:00:00Z') && row.bikes !== null)).toBe(
      false,
    )
  })

  it('starts the line again after a gap with the state in force at its end', () => {
    const rows = historyRows({
      points: [
        point('2025-01-29T00:00:00.000Z', 5),
        point('2025-01-29T01:00:00.000Z', 6),
        point('2025-01-29T02:00:00.000Z', 8),
        point('2025-01-29T05:00:00.000Z', 3),
        point('2025-01-29T06:00:00.000Z', 3),
      ],
      gaps: [{ from: '2025-01-29T01:30:00.000Z', to: '2025-01-29T04:00:00.000Z' }],
    })
    expect(rows.map((row) => [new Date(row.at).toISOString().slice(11, 16), row.bikes])).toEqual([
      ['00:00', 5],
      ['01:00', 6],
      ['01:30', 6],
      ['01:30', null],
      // The change at 02:00 was read when polling resumed: it holds from the gap's end.
      ['04:00', 8],
      ['05:00', 3],
      ['06:00', 3],
    ])
    expect(rows[3]).toEqual({
      at: at('2025-01-29T01:30:00Z'),
      bikes: null,
      docks: null,
      band: null,
    })
  })

  it('exports the gap as a row without figures', () => {
    const file = historyCsv(months())
    expect(file.fileName).toBe('history-bay_wheels-15-2023-07-16-2026-11-07.csv')
    expect(file.rows.slice(3)).toEqual([
      ['bay_wheels', '15', '2023-07-17T07:00:00.000Z', 7, 0, 13, 7, 7, true],
      ['bay_wheels', '15', '2023-07-17T07:00:00.000Z', null, null, null, null, null, null],
    ])
  })

  it('opens on the last range that has data, shades the gap, and lets a person choose days, weeks, months or dates', async () => {
    const lastData = '2023-07-17T07:00:00.000Z'
    const empty = (from: string, to: string): StationHistory => ({
      ...months(),
      from,
      to,
      points: [point(from, 7), point(to, 7)],
      gaps: [{ from, to }],
    })
    const fake = fakeConsole({
      'stations:history': (request) => {
        // Today: nothing read in the last day; asked to end at the last reading, that week.
        if (!request.to) return empty(request.from ?? '', new Date().toISOString())
        return { ...months(), from: request.from ?? '', to: request.to }
      },
    })
    render(
      <HistoryPanel client={fake.client} station={{ systemId: 'bay_wheels', stationId: '15' }} />,
    )
    await waitFor(() => expect(fake.calls('stations:history')).toHaveLength(2))
    const [first, second] = fake.calls('stations:history')
    expect(first).not.toHaveProperty('to')
    expect(second).toMatchObject({
      to: lastData,
      from: new Date(at(lastData) - 86_400_000).toISOString(),
    })
    const panel = await screen.findByRole('region', { name: 'Bikes over time' })
    await within(panel).findByText('No data')
    expect(within(panel).getByText(/shaded: 1 stretch with no status reading/)).toBeTruthy()

    fireEvent.click(within(panel).getByRole('button', { name: 'Week' }))
    await waitFor(() =>
      expect(fake.calls('stations:history').at(-1)).toMatchObject({
        to: lastData,
        from: new Date(at(lastData) - 7 * 86_400_000).toISOString(),
      }),
    )
    fireEvent.click(within(panel).getByRole('button', { name: 'Earlier history' }))
    await waitFor(() =>
      expect(fake.calls('stations:history').at(-1)).toMatchObject({
        to: new Date(at(lastData) - 7 * 86_400_000).toISOString(),
      }),
    )
    fireEvent.click(within(panel).getByRole('button', { name: 'Dates' }))
    const from = within(panel).getByLabelText('History from')
    const to = within(panel).getByLabelText('History to')
    fireEvent.change(from, { target: { value: '2023-07-10' } })
    fireEvent.change(to, { target: { value: '2023-07-16' } })
    await waitFor(() =>
      expect(fake.calls('stations:history').at(-1)).toMatchObject({
        from: '2023-07-10',
        to: '2023-07-17',
      }),
    )
  })
})

describe('two dates', () => {
  it('keeps the date just chosen and moves the other when the range would be refused', () => {
    expect(datesWithin('2023-07-14', '2023-07-20', 'from')).toEqual({
      kind: 'dates',
      from: '2023-07-14',
      to: '2023-07-20',
    })
    // Three years apart: more than the 400 days a history covers.
    expect(datesWithin('2023-07-14', '2026-12-07', 'from')).toMatchObject({ to: '2023-07-20' })
    expect(datesWithin('2026-12-10', '2026-12-07', 'from')).toMatchObject({ to: '2026-12-16' })
    expect(datesWithin('2023-07-14', '2023-07-01', 'to')).toMatchObject({ from: '2023-06-25' })
  })
})

describe("a station's exports", () => {
  it('saves the profile and the history shown as CSV files, the same the API sends', async () => {
    const saved: { name: string; text: Promise<string> }[] = []
    let blob: Blob | null = null
    URL.createObjectURL = (object: Blob | MediaSource) => {
      blob = object as Blob
      return 'blob:station'
    }
    URL.revokeObjectURL = () => undefined
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      if (blob) saved.push({ name: this.download, text: blob.text() })
    })
    render(
      <ProfilePanel
        profile={{
          systemId: 'bay_wheels',
          stationId: '15',
          stationName: 'Ferry Building',
          timeZone: 'America/Los_Angeles',
          bin: 'hour',
          from: '2018-02-01',
          to: '2018-03-01',
          days: [4, 4, 4, 4, 4, 4, 4],
          cells: [{ dayOfWeek: 1, minuteOfDay: 480, outflow: 10, inflow: 2 }],
        }}
      />,
    )
    fireEvent.click(screen.getByRole('button', { name: 'Export profile as CSV' }))
    expect(saved[0]?.name).toBe('profile-bay_wheels-15-hour.csv')
    expect(await saved[0]?.text).toBe(
      'system_id,station_id,day_of_week,minute_of_day,outflow,inflow\r\nbay_wheels,15,1,480,10,2\r\n',
    )
    const fake = fakeConsole({ 'stations:history': () => months() })
    render(
      <HistoryPanel client={fake.client} station={{ systemId: 'bay_wheels', stationId: '15' }} />,
    )
    fireEvent.click(await screen.findByRole('button', { name: 'Export history as CSV' }))
    expect(saved[1]?.name).toBe('history-bay_wheels-15-2023-07-16-2026-11-07.csv')
    expect((await saved[1]?.text)?.split('\r\n').at(-2)).toBe(
      'bay_wheels,15,2023-07-17T07:00:00.000Z,,,,,,',
    )
  })
})
