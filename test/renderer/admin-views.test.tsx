import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ConsoleSettings } from '../../src/shared/settings'
import type { TripImportDone, TripImportReport } from '../../src/shared/trips'
import { SettingsView } from '../../src/renderer/src/settings/SettingsView'
import { TripImportView } from '../../src/renderer/src/trips/TripImportView'
import { NOTIFY_KEY } from '../../src/renderer/src/notifications/browser-notifications'
import { DISPATCHER, fakeConsole, type FakeAnswers } from './fake-console'

afterEach(() => {
  cleanup()
  window.localStorage.clear()
  vi.unstubAllGlobals()
})

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

const DONE: TripImportDone = {
  status: 'imported',
  file: '201802-fordgobike-tripdata.csv.gz',
  importId: 3,
  systemId: 'bay_wheels',
  format: 'Ford GoBike (2017-2019)',
  timeZone: 'America/Los_Angeles',
  rowsRead: 106_720,
  rowsImported: 106_718,
  rowsRejected: 2,
  rejections: [
    { line: 412, reason: 'end_time before start_time' },
    { line: 9_031, reason: 'start_time "2018-02-31 08:00" is not a time' },
  ],
  stations: {
    matchedBy: 'station_id',
    ids: 275,
    idsMatched: 273,
    matchRate: 273 / 275,
    unmatchedIds: [
      { id: '208', tripEnds: 311 },
      { id: '44', tripEnds: 12 },
    ],
    tripsUnmatched: 323,
  },
  firstStartedAt: '2018-02-01T08:00:00Z',
  lastEndedAt: '2018-03-01T08:00:00Z',
  seconds: 2.4,
  rowsPerSecond: 44_466,
  flowBins: 48_211,
  flowSeconds: 0.9,
  hint: null,
}

const report = (outcomes: TripImportReport['outcomes']): TripImportReport => ({
  systemId: 'bay_wheels',
  timeZone: 'America/Los_Angeles',
  stationsLoaded: null,
  systemCreated: false,
  remapped: null,
  outcomes,
})

describe('Trip import', () => {
  it('on the desktop: the native dialog, a live progress bar with rows/s, then the summary', async () => {
    let finish: (value: TripImportReport) => void = () => undefined
    const { fake, props } = view({
      'trips:chooseFiles': () => ({ paths: ['/data/201802-fordgobike-tripdata.csv.gz'] }),
      'trips:import': () => new Promise((resolve) => (finish = resolve)),
    })
    render(<TripImportView {...props} desktop />)
    fireEvent.change(screen.getByLabelText('Match stations by'), {
      target: { value: 'station_id' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }))
    await waitFor(() => expect(fake.calls('trips:import')).toHaveLength(1))
    expect(fake.calls('trips:import')[0]).toEqual({
      paths: ['/data/201802-fordgobike-tripdata.csv.gz'],
      stationKey: 'station_id',
    })

    fake.push('trips:import-progress', {
      file: '201802-fordgobike-tripdata.csv.gz',
      phase: 'reading',
      rowsDone: 56_320,
      rowsPerSecond: 112_640,
      percent: 53.4,
      elapsedSeconds: 0.5,
    })
    const bar = await screen.findByRole('progressbar')
    expect(bar.getAttribute('aria-valuenow')).toBe('53')
    const progress = screen.getByRole('region', { name: /Importing 201802/ })
    expect(within(progress).getByText('53 %')).toBeTruthy()
    expect(within(progress).getByText('56,320')).toBeTruthy()
    expect(within(progress).getByText('112,640')).toBeTruthy()

    act(() => finish(report([DONE])))
    const summary = await screen.findByRole('region', { name: /Summary of 201802/ })
    expect(screen.queryByRole('progressbar')).toBeNull()
    const stat = (label: string) =>
      within(summary).getByText(label, { selector: '.stat-label' }).previousElementSibling
        ?.textContent
    expect(stat('Imported')).toBe('106,718')
    expect(stat('Rejected')).toBe('2')
    expect(stat('Stations matched')).toBe('99.3 %')
    expect(within(summary).getByText(/273 of 275 station ids matched by station_id/)).toBeTruthy()
    const unmatched = within(summary).getByRole('table', { name: 'Unmatched station ids' })
    expect(within(unmatched).getByText('208')).toBeTruthy()
    expect(within(unmatched).getByText('311')).toBeTruthy()
    const rejects = within(summary).getByRole('table', { name: 'Rejected rows' })
    expect(within(rejects).getByText('9,031')).toBeTruthy()
    expect(within(rejects).getByText('end_time before start_time')).toBeTruthy()
    expect(screen.getByRole('status').textContent).toMatch(
      /1 file into bay_wheels \(America\/Los_Angeles\): 106,718 trips imported, 2 rows rejected/,
    )
  })

  it('a canceled dialog imports nothing', async () => {
    const { fake, props } = view({ 'trips:chooseFiles': () => ({ paths: [] }) })
    render(<TripImportView {...props} desktop />)
    fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }))
    await waitFor(() => expect(fake.calls('trips:chooseFiles')).toHaveLength(1))
    expect(fake.calls('trips:import')).toHaveLength(0)
    expect(screen.getByText('No import yet')).toBeTruthy()
  })

  it('in a browser: uploads each chosen file with the options, and shows failures and repeats', async () => {
    const { fake, props } = view({
      'trips:upload': ({ fileName }) =>
        report([
          fileName === 'bad.csv'
            ? {
                status: 'failed',
                file: 'bad.csv',
                error: 'bad.csv: the header names no known format',
              }
            : {
                status: 'already-imported',
                file: fileName,
                importId: 2,
                systemId: 'bay_wheels',
                importedAt: '2025-06-01T10:00:00Z',
                rowsImported: 6,
              },
        ]),
    })
    render(<TripImportView {...props} desktop={false} />)
    fireEvent.change(screen.getByLabelText('Time zone'), {
      target: { value: 'America/Chicago' },
    })
    const files = [new File(['a'], 'lyft.csv.gz'), new File(['b'], 'bad.csv')]
    fireEvent.change(screen.getByLabelText('Trip files'), { target: { files } })
    await screen.findByRole('region', { name: 'Summary of bad.csv' })
    expect(fake.calls('trips:upload')).toEqual([
      { file: files[0], fileName: 'lyft.csv.gz', timeZone: 'America/Chicago' },
      { file: files[1], fileName: 'bad.csv', timeZone: 'America/Chicago' },
    ])
    expect(screen.getByText('Already imported')).toBeTruthy()
    expect(screen.getByText('bad.csv: the header names no known format')).toBeTruthy()
    expect(screen.getByText('Nothing from this file was imported')).toBeTruthy()
  })

  it('says why an import did not run at all', async () => {
    const { props } = view({
      'trips:upload': () => {
        throw new Error('query.name: must end in .csv, .csv.gz or .zip')
      },
    })
    render(<TripImportView {...props} desktop={false} />)
    fireEvent.change(screen.getByLabelText('Trip files'), {
      target: { files: [new File(['a'], 'notes.txt')] },
    })
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toMatch(/query\.name: must end in \.csv/)
  })
})

const SETTINGS: ConsoleSettings = {
  settingsFile: '/var/lib/bay-wheels-balancer/settings.json',
  databaseUrl: 'postgres://balancer:********@db.depot.lan:5432/balancer',
  feeds: [{ url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json' }],
  host: '0.0.0.0',
  port: 8000,
  leaseMinutes: 60,
  serviceHours: { start: '06:00', end: '22:00' },
  notifications: true,
  overridden: [],
  running: [
    { field: 'port', label: 'API port', value: '8711', source: 'flag', by: '--port' },
    {
      field: 'feeds',
      label: 'Feeds',
      value: 'http://127.0.0.1:9000/gbfs.json',
      source: 'environment',
      by: 'GBFS_URL',
    },
    {
      field: 'host',
      label: 'API address',
      value: '0.0.0.0',
      source: 'file',
      by: 'settings.json host',
    },
  ],
}

describe('Settings', () => {
  it('shows what runs now and from where, beside what is saved for the next start', async () => {
    const { props } = view({ 'settings:get': () => SETTINGS })
    render(<SettingsView {...props} />)
    await screen.findByRole('heading', { name: 'Running now' })
    const row = (field: string) =>
      [...document.querySelectorAll(`tr[data-field="${field}"] > *`)].map(
        (cell) => cell.textContent,
      )
    // Running on 8711 by --port while the file says 8000: both shown, and which one wins.
    expect(row('port')).toEqual([
      'API port',
      '8711',
      'command line (--port)',
      '8000 (command line (--port) wins)',
    ])
    expect(row('feeds')).toEqual([
      'Feeds',
      'http://127.0.0.1:9000/gbfs.json',
      'environment (GBFS_URL)',
      'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json (environment (GBFS_URL) wins)',
    ])
    expect(row('host')).toEqual(['API address', '0.0.0.0', 'settings file', '0.0.0.0'])
  })

  it('shows the password masked and sends the masked value back unchanged', async () => {
    const { fake, props } = view({
      'settings:get': () => SETTINGS,
      'settings:save': (input) => ({
        settings: { ...SETTINGS, port: input.port },
        restartNeeded: ['API port'],
      }),
    })
    render(<SettingsView {...props} desktop />)
    const url = await screen.findByLabelText<HTMLInputElement>('Database URL')
    expect(url.value).toBe('postgres://balancer:********@db.depot.lan:5432/balancer')
    expect(document.body.textContent).not.toMatch(/secret/)
    fireEvent.change(screen.getByLabelText('API port'), { target: { value: '8100' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await screen.findByText(/Restart the console for the API port to take effect/)
    expect(fake.calls('settings:save')).toEqual([
      {
        databaseUrl: 'postgres://balancer:********@db.depot.lan:5432/balancer',
        feeds: [{ url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json' }],
        host: '0.0.0.0',
        port: 8100,
        leaseMinutes: 60,
        serviceHours: { start: '06:00', end: '22:00' },
        notifications: true,
      },
    ])
  })

  it('saves a new database only after it was tested, and shows what the test found', async () => {
    const { fake, props } = view({
      'settings:get': () => ({ ...SETTINGS, databaseUrl: null }),
      'settings:testDatabase': ({ databaseUrl }) =>
        databaseUrl?.includes('wrong')
          ? {
              ok: false,
              location: 'wrong:5432/balancer',
              serverVersion: null,
              migrations: null,
              detail: 'getaddrinfo ENOTFOUND wrong',
            }
          : {
              ok: true,
              location: 'db.depot.lan:5432/balancer',
              serverVersion: '16.4',
              migrations: { applied: 6, known: 7, pending: ['0007_console_admin'], current: false },
              detail: null,
            },
      'settings:save': () => ({ settings: SETTINGS, restartNeeded: ['database'] }),
    })
    render(<SettingsView {...props} desktop />)
    fireEvent.click(await screen.findByLabelText('A PostgreSQL server'))
    fireEvent.change(screen.getByLabelText('Database URL'), {
      target: { value: 'postgres://balancer@wrong/balancer' },
    })
    const save = screen.getByRole<HTMLButtonElement>('button', { name: 'Save settings' })
    expect(save.disabled).toBe(true)
    expect(screen.getByText('Test the new database before saving it.')).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }))
    expect((await screen.findByText(/did not answer/)).parentElement?.textContent).toMatch(
      /ENOTFOUND wrong/,
    )
    expect(save.disabled).toBe(true)

    fireEvent.change(screen.getByLabelText('Database URL'), {
      target: { value: 'postgres://balancer@db.depot.lan/balancer' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }))
    const found = await screen.findByText(/Connected/)
    expect(found.parentElement?.textContent).toMatch(
      /PostgreSQL 16\.4 at db\.depot\.lan:5432\/balancer · 1 of 7 migrations to apply at start/,
    )
    expect(save.disabled).toBe(false)
    fireEvent.click(save)
    await screen.findByText(/Restart the console for the database to take effect/)
    expect(fake.calls('settings:save')).toHaveLength(1)
  })

  it('names the field at fault, from the page and from the server', async () => {
    const { fake, props } = view({
      'settings:get': () => SETTINGS,
      'settings:save': () => {
        throw new Error('serviceHours.start: must be a time of day as HH:MM (00:00-23:59)')
      },
    })
    render(<SettingsView {...props} desktop />)
    const lease = await screen.findByLabelText('Task lease')
    fireEvent.change(lease, { target: { value: 'an hour' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect((await screen.findByRole('alert')).textContent).toBe(
      'leaseMinutes: must be a whole number of minutes',
    )
    expect(lease.getAttribute('aria-invalid')).toBe('true')
    expect(fake.calls('settings:save')).toHaveLength(0)

    fireEvent.change(lease, { target: { value: '45' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toMatch(/^serviceHours\.start: must be a time/),
    )
    expect(screen.getByLabelText('Service hours start').getAttribute('aria-invalid')).toBe('true')
  })

  it('in a browser: read-only, and notifications are this browser’s to turn on', async () => {
    const requestPermission = vi.fn(() => {
      permission.value = 'granted'
      return Promise.resolve('granted')
    })
    const permission = { value: 'default' }
    // A getter, so the page reads the permission as it changes.
    const stub = Object.defineProperty(function Notification() {}, 'permission', {
      get: () => permission.value,
    })
    vi.stubGlobal('Notification', Object.assign(stub, { requestPermission }))
    const { props } = view({ 'settings:get': () => SETTINGS })
    render(<SettingsView {...props} desktop={false} />)
    await screen.findByText(/Read-only in a browser/)
    expect(screen.getByLabelText('API port').matches(':disabled')).toBe(true)
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull()
    expect(screen.getByTestId('notify-state').textContent).toBe('Off')
    fireEvent.click(screen.getByRole('button', { name: 'Turn on notifications' }))
    await waitFor(() => expect(screen.getByTestId('notify-state').textContent).toBe('On'))
    expect(requestPermission).toHaveBeenCalledOnce()
    expect(window.localStorage.getItem(NOTIFY_KEY)).toBe('on')
    fireEvent.click(screen.getByRole('button', { name: 'Turn off' }))
    await waitFor(() => expect(screen.getByTestId('notify-state').textContent).toBe('Off'))
  })
})
