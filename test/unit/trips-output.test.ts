import { describe, expect, it } from 'vitest'
import type { TripImportDone, TripImportProgress } from '../../src/shared/trips.js'
import {
  createProgressLine,
  formatOutcome,
  formatProgress,
} from '../../src/server/cli/trips-output.js'

function progress(phase: TripImportProgress['phase'], rowsDone: number): TripImportProgress {
  return {
    file: '201802-fordgobike-tripdata.csv.gz',
    phase,
    rowsDone,
    rowsPerSecond: 112_640,
    percent: phase === 'reading' ? 53.4 : 100,
    elapsedSeconds: 0.5,
  }
}

function sink(isTTY: boolean) {
  const written: string[] = []
  return { isTTY, written, write: (text: string) => written.push(text) }
}

describe('the import progress line', () => {
  it('shows the file, phase, percent, rows and rows/s', () => {
    expect(formatProgress(progress('reading', 56_320))).toBe(
      '201802-fordgobike-tripdata.csv.gz  reading  53 %  56,320 rows  112,640 rows/s  0.50 s',
    )
  })

  it('is rewritten in place on a terminal and ended with a line feed', () => {
    const out = sink(true)
    const line = createProgressLine(out)
    line.update(progress('reading', 10_000))
    line.update(progress('reading', 56_320))
    line.finish()
    expect(out.written.slice(0, 2).every((text) => text.startsWith('\r'))).toBe(true)
    expect(out.written.at(-1)).toBe('\n')
  })

  it('is plain lines in a log: one per phase, not one per update', () => {
    const out = sink(false)
    const line = createProgressLine(out, 60_000)
    line.update(progress('reading', 10_000))
    line.update(progress('reading', 56_320))
    line.update(progress('inserting', 106_718))
    line.update(progress('done', 106_718))
    line.finish()
    expect(out.written).toHaveLength(3)
    expect(out.written.every((text) => text.endsWith('\n') && !text.includes('\r'))).toBe(true)
  })
})

describe('the import summary', () => {
  const done: TripImportDone = {
    status: 'imported',
    file: '201802-fordgobike-tripdata.csv.gz',
    importId: 1,
    systemId: 'fgb',
    format: 'fordgobike',
    timeZone: 'America/Los_Angeles',
    rowsRead: 106_718,
    rowsImported: 106_717,
    rowsRejected: 1,
    rejections: [{ line: 17, reason: 'negative duration_sec -60' }],
    stations: {
      matchedBy: 'station_id',
      ids: 275,
      idsMatched: 273,
      matchRate: 273 / 275,
      unmatchedIds: [
        { id: '342', tripEnds: 2_035 },
        { id: '293', tripEnds: 127 },
      ],
      tripsUnmatched: 2_134,
    },
    firstStartedAt: '2018-02-01T08:00:05.036Z',
    lastEndedAt: '2018-03-01T08:09:45.187Z',
    seconds: 2.5,
    rowsPerSecond: 42_687,
    flowBins: 122_941,
    flowSeconds: 0.8,
    hint: null,
  }

  it('gives rows, imported, rejected, the match rate, unmatched stations and rows/s', () => {
    const text = formatOutcome(done)
    expect(text).toMatch(/106,718 rows, 106,717 imported, 1 rejected/)
    expect(text).toMatch(/rejected line 17: negative duration_sec -60/)
    expect(text).toMatch(/273 of 275 ids matched by station_id \(match rate 99\.3 %\)/)
    expect(text).toMatch(/2 unmatched station id\(s\) \(342: 2,035 trip ends, 293: 127\)/)
    expect(text).toMatch(/2,134 trips kept with an unmatched station/)
    expect(text).toMatch(
      /trips 2018-02-01 00:00:05 to 2018-03-01 00:09:45 \(America\/Los_Angeles\)/,
    )
    expect(text).toMatch(/2\.50 s, 42,687 rows\/s; station_flows: 122,941 bins updated in 0\.80 s/)
  })

  it('says when a file was imported before, and when one failed', () => {
    expect(
      formatOutcome({
        status: 'already-imported',
        file: 'a.csv',
        importId: 3,
        systemId: 'fgb',
        importedAt: '2026-01-01T00:00:00.000Z',
        rowsImported: 49,
      }),
    ).toMatch(/a\.csv: already imported \(import #3, 49 trips/)
    expect(formatOutcome({ status: 'failed', file: 'b.csv', error: 'b.csv is empty' })).toBe(
      'b.csv: FAILED: b.csv is empty\n',
    )
  })
})
