import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineModelStatus } from '../../src/shared/operations/engine-model'
import type {
  QuarantinedImport,
  TripImportQuarantined,
  TripImportReport,
} from '../../src/shared/trips'
import { ModelPanel } from '../../src/renderer/src/status/ModelPanel'
import { TripImportView } from '../../src/renderer/src/trips/TripImportView'
import { DISPATCHER, fakeConsole, type FakeAnswers } from './fake-console'

afterEach(cleanup)

const view = (answers: FakeAnswers = {}) => {
  const fake = fakeConsole(answers)
  return {
    fake,
    props: {
      client: fake.client,
      session: DISPATCHER,
      timeZone: 'America/Los_Angeles',
      keysEnabled: true,
    },
  }
}

const QUARANTINE = {
  tripEnds: 29,
  tripEndsMatched: 0,
  matchRate: 0,
  problem:
    "Only 0 of 29 trip ends (0 %) name a station of system bay_wheels: this looks like another city's file or the wrong system, so its trips were kept apart and are not in flows, profiles or the demand model",
  advice:
    'if the file belongs to another system, discard it and import it into that one (choose the system); if this system’s stations are missing, load them (--stations station_information.json, or poll its GBFS feed), discard it and import it again; accept it only if these really are trips of bay_wheels',
}

const CHICAGO: TripImportQuarantined = {
  status: 'quarantined',
  file: 'divvy-202101-tripdata-15rows.csv',
  importId: 12,
  systemId: 'bay_wheels',
  format: 'lyft',
  timeZone: 'America/Los_Angeles',
  rowsRead: 15,
  rowsImported: 15,
  rowsRejected: 0,
  rejections: [],
  stations: {
    matchedBy: 'short_name',
    ids: 28,
    idsMatched: 0,
    matchRate: 0,
    unmatchedIds: [{ id: '13059', tripEnds: 2 }],
    tripsUnmatched: 15,
  },
  firstStartedAt: '2021-01-10T21:12:58Z',
  lastEndedAt: '2021-01-28T03:33:04Z',
  seconds: 0.2,
  rowsPerSecond: 75,
  flowBins: 0,
  flowSeconds: 0,
  hint: null,
  quarantine: QUARANTINE,
}

const report = (outcomes: TripImportReport['outcomes']): TripImportReport => ({
  systemId: 'bay_wheels',
  timeZone: 'America/Los_Angeles',
  stationsLoaded: null,
  systemCreated: false,
  remapped: null,
  outcomes,
})

describe('a quarantined trip import', () => {
  it('is shown in red with the match rate, what is wrong and what to do; Discard discards it', async () => {
    const { fake, props } = view({
      'trips:upload': () => report([CHICAGO]),
      'trips:discard': ({ import_id }) => ({
        importId: import_id,
        systemId: 'bay_wheels',
        file: CHICAGO.file,
        decision: 'discarded' as const,
        trips: 15,
        flowBins: 0,
      }),
    })
    render(<TripImportView {...props} desktop={false} />)
    fireEvent.change(screen.getByLabelText('Trip files'), {
      target: { files: [new File(['a'], CHICAGO.file)] },
    })
    const panel = await screen.findByRole('region', { name: `Summary of ${CHICAGO.file}` })
    expect(within(panel).getByText('Quarantined: not in flows').className).toMatch(/badge-bad/)
    const notice = within(panel).getByRole('alert')
    expect(notice.className).toMatch(/notice-error/)
    expect(notice.textContent).toMatch(/Quarantined: 0 % of trip ends matched \(0 of 29\)/)
    expect(notice.textContent).toMatch(/this looks like another city's file/)
    expect(notice.textContent).toMatch(/What to do: if the file belongs to another system/)
    expect(within(panel).getByText('Kept apart')).toBeTruthy()
    expect(screen.getByRole('status').textContent).toMatch(/0 trips imported.*1 file quarantined/)

    fireEvent.click(within(notice).getByRole('button', { name: 'Discard' }))
    await waitFor(() => expect(fake.calls('trips:discard')).toEqual([{ import_id: 12 }]))
    expect(
      await within(panel).findByText(
        /Discarded: 15 trips deleted\. The file can be imported again/,
      ),
    ).toBeTruthy()
    expect(fake.calls('trips:accept')).toHaveLength(0)
  })

  it('waiting from before, is listed with Accept; Accept adds it to flows', async () => {
    const waiting: QuarantinedImport = {
      importId: 7,
      systemId: 'bay_wheels',
      file: 'bluebikes-201805.csv',
      importedAt: '2026-12-07T20:00:00Z',
      rowsImported: 5,
      firstStartedAt: null,
      lastEndedAt: null,
      ...QUARANTINE,
      tripEnds: 10,
      tripEndsMatched: 4,
      matchRate: 0.4,
    }
    const { fake, props } = view({
      'trips:quarantined': () => [waiting],
      'trips:accept': () => ({
        importId: 7,
        systemId: 'bay_wheels',
        file: waiting.file,
        decision: 'accepted' as const,
        trips: 5,
        flowBins: 4,
      }),
    })
    render(<TripImportView {...props} desktop />)
    const list = await screen.findByRole('region', { name: 'Quarantined imports' })
    expect(within(list).getByText('1 waiting')).toBeTruthy()
    const notice = within(list).getByRole('alert')
    expect(notice.className).toMatch(/notice-warn/)
    expect(notice.textContent).toMatch(/40\.0 % of trip ends matched \(4 of 10\)/)
    fireEvent.click(within(list).getByRole('button', { name: 'Accept anyway' }))
    await waitFor(() => expect(fake.calls('trips:accept')).toEqual([{ import_id: 7 }]))
    expect(
      await within(list).findByText(/Accepted: 5 trips added to bay_wheels's flows/),
    ).toBeTruthy()
  })
})

describe('the System page’s demand model', () => {
  it('says the previous model was kept, with both errors', async () => {
    const models: EngineModelStatus[] = [
      {
        system_id: 'bay_wheels',
        active: {
          version: 3,
          fitted_from: '2018-02-01T08:00:00Z',
          fitted_to: '2018-03-02T08:00:00Z',
          trained_at: '2026-12-07T20:00:00Z',
          weekdays: 20,
          weekend_days: 8,
          mae: 0.093,
          baseline_mae: 0.147,
        },
        last_check: {
          checked_at: '2026-12-07T21:00:00Z',
          held_out_from: '2018-03-23T07:00:00Z',
          held_out_to: '2018-03-30T07:00:00Z',
          held_out_days: 7,
          previous_version: 3,
          previous_mae: 0.101,
          new_mae: 0.164,
          kept_previous: true,
        },
      },
    ]
    const { fake } = view({ 'engine:models': () => models })
    render(<ModelPanel client={fake.client} />)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toBe(
      'The engine kept model v3: a new fit was worse on the last 7 days with trips (MAE 0.164 against 0.101 for the model in use). It fits again when newer trips arrive or in a day.',
    )
    expect(
      screen.getByText(/^v3, fitted on 20 weekdays and 8 weekend days with trips/),
    ).toBeTruthy()
    expect(screen.getByText(/MAE 0\.093 of 15-minute counts.*seasonal-naive 0\.147/)).toBeTruthy()
    expect(
      screen.getByText(/MAE 0\.164 against 0\.101 for v3 on 7 held-out days; v3 kept/),
    ).toBeTruthy()
  })
})
