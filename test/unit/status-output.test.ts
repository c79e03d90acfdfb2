import { describe, expect, it } from 'vitest'
import type { StatusImportDone } from '../../src/shared/service-levels.js'
import { formatStatusImport, STATUS_PHASES } from '../../src/server/cli/status-output.js'
import { formatProgress } from '../../src/server/cli/trips-output.js'

const done: StatusImportDone = {
  status: 'imported',
  file: 'station_status.csv.gz',
  importId: 3,
  systemId: 'lyft_bay',
  timeZone: 'America/Los_Angeles',
  systemCreated: true,
  stationsLoaded: {
    files: [
      '/data/week/station_information_first.json',
      '/data/week/station_information_last.json',
    ],
    loaded: 517,
    skipped: [],
  },
  rowsRead: 454_443,
  rowsWritten: 437_940,
  rowsUnchanged: 16_490,
  rowsAlreadyStored: 0,
  rowsRejected: 2,
  rejections: [
    { line: 14, reason: 'negative num_bikes_available -2' },
    { line: 15, reason: 'is_renting "2" is not 0, 1, true or false' },
  ],
  rowsUnknownStation: 11,
  unknownStationExamples: ['9999'],
  snapshots: 879,
  stations: 517,
  absences: 1,
  firstSnapshotAt: '2023-07-10T07:05:11.000Z',
  lastSnapshotAt: '2023-07-17T06:53:52.000Z',
  medianSpacingSeconds: 608.5,
  bridgeMinutes: (2 * 608.5) / 60,
  seconds: 9.25,
  rowsPerSecond: 49_129,
  days: { from: '2023-07-10', to: '2023-07-17' },
}

describe('the status import summary', () => {
  it('gives the rows, snapshots, local first and last snapshot, spacing, bridge, speed and days', () => {
    expect(formatStatusImport(done)).toBe(
      [
        'Loaded 517 stations into system lyft_bay (new system) from station_information_first.json, station_information_last.json',
        'station_status.csv.gz: 454,443 rows read into system lyft_bay (import #3)',
        '  437,940 written, 16,490 unchanged, 2 rejected, 11 of unknown stations, 0 already stored',
        '  rejected line 14: negative num_bikes_available -2',
        '  rejected line 15: is_renting "2" is not 0, 1, true or false',
        '  11 rows of stations the system does not have were not written, e.g. 9999',
        '  879 snapshots of 517 stations, 2023-07-10 00:05:11 to 2023-07-16 23:53:52 (America/Los_Angeles)',
        '  median spacing 608.5 s: gaps up to 20.3 min are bridged',
        '  1 absence(s): runs of snapshots that left a station out',
        '  9.25 s, 49,129 rows/s',
        '  days refreshed: 2023-07-10 to 2023-07-17 (exclusive)',
        '',
      ].join('\n'),
    )
  })

  it('says a file already imported is left alone', () => {
    expect(
      formatStatusImport({
        status: 'already-imported',
        file: 'station_status.csv',
        importId: 3,
        systemId: 'lyft_bay',
        timeZone: 'America/Los_Angeles',
        systemCreated: false,
        stationsLoaded: null,
        importedAt: '2026-12-04T14:00:00.000Z',
        rowsRead: 454_443,
        rowsWritten: 437_940,
      }),
    ).toBe(
      'station_status.csv: already imported into system lyft_bay (import #3, 454,443 rows, 437,940 written, 2026-12-04T14:00:00.000Z); nothing to do\n',
    )
  })

  it('names its phases on the progress line', () => {
    const line = formatProgress(
      {
        file: 'station_status.csv.gz',
        phase: 'writing',
        rowsDone: 454_443,
        rowsPerSecond: 0,
        percent: 100,
        elapsedSeconds: 1.5,
      },
      STATUS_PHASES,
    )
    expect(line).toBe(
      'station_status.csv.gz  checking, writing station_status  454,443 rows  1.50 s',
    )
  })
})
