import { describe, expect, it } from 'vitest'
import { detectTripHeader, TripFormatError } from '../../src/server/trips/formats.js'
import {
  allowedRejections,
  DEFAULT_REJECT_LIMIT,
  parseRejectLimit,
} from '../../src/server/imports/reject-limit.js'
import { parseFlowTime } from '../../src/server/flows/flows.service.js'

// The first lines of the real files in ../shared/data/trips, as they are.
const FORD_GOBIKE =
  '"duration_sec","start_time","end_time","start_station_id","start_station_name","start_station_latitude","start_station_longitude","end_station_id","end_station_name","end_station_latitude","end_station_longitude","bike_id","user_type","member_birth_year","member_gender","bike_share_for_all_trip"'
const BAY_WHEELS_201911 =
  'duration_sec;start_time;end_time;start_station_id;start_station_name;start_station_latitude;start_station_longitude;end_station_id;end_station_name;end_station_latitude;end_station_longitude;bike_id;user_type;bike_share_for_all_trip;rental_access_method'
const LYFT =
  'ride_id,rideable_type,started_at,ended_at,start_station_name,start_station_id,end_station_name,end_station_id,start_lat,start_lng,end_lat,end_lng,member_casual'
const BLUEBIKES_2023 =
  'tripduration,starttime,stoptime,start station id,start station name,start station latitude,start station longitude,end station id,end station name,end station latitude,end station longitude,bikeid,usertype,postal code\r'

describe('trip file header detection', () => {
  it('recognises the 16-column Ford GoBike header, quoted, with a comma', () => {
    const header = detectTripHeader(FORD_GOBIKE)
    expect(header.format.name).toBe('fordgobike')
    expect(header.delimiter).toBe(',')
    expect(header.columns).toHaveLength(16)
    expect(header.fieldColumns).toMatchObject({ duration_sec: 0, started_at: 1, end_station_id: 7 })
    expect(header.unknownColumns).toEqual([])
  })

  it('recognises the 15-column 2019-11 Bay Wheels header with semicolons', () => {
    const header = detectTripHeader(BAY_WHEELS_201911)
    expect(header.format.name).toBe('fordgobike')
    expect(header.delimiter).toBe(';')
    expect(header.columns).toHaveLength(15)
  })

  it('recognises the 13-column Lyft header, with or without a byte-order mark and quotes', () => {
    for (const line of [
      LYFT,
      `\uFEFF${LYFT}`,
      LYFT.split(',')
        .map((c) => `"${c}"`)
        .join(','),
    ]) {
      const header = detectTripHeader(line)
      expect(header.format.name).toBe('lyft')
      expect(header.fieldColumns).toMatchObject({ start_station_name: 4, start_station_id: 5 })
    }
  })

  it('recognises the Motivate header with spaces in its names and a CRLF ending', () => {
    const header = detectTripHeader(BLUEBIKES_2023)
    expect(header.format.name).toBe('motivate')
    expect(header.fieldColumns.start_station_id).toBe(3)
    expect(header.unknownColumns).toEqual([])
  })

  it('refuses an unknown header, listing what each format needs and what is close', () => {
    const missing = LYFT.replace(',member_casual', '')
    expect(() => detectTripHeader(missing)).toThrow(TripFormatError)
    expect(() => detectTripHeader(missing)).toThrow(
      /unrecognised trip file header \(ride_id, .*, end_lng\)\. It looks like Lyft .* without member_casual\. Expected the columns of one of: Ford GoBike .*: duration_sec, start_time/,
    )
    expect(() => detectTripHeader('hello world')).toThrow(
      /unrecognised trip file header \(hello world\)\. Expected/,
    )
  })

  it('refuses a header that names a column twice', () => {
    expect(() => detectTripHeader(`${LYFT},ride_id`)).toThrow(/names column "ride_id" twice/)
  })
})

describe('how many bad rows a file may have', () => {
  it('is 1 % of its rows by default, but never fewer than 10', () => {
    expect(allowedRejections(DEFAULT_REJECT_LIMIT, 106_718)).toBe(1_067)
    expect(allowedRejections(DEFAULT_REJECT_LIMIT, 49)).toBe(10)
  })

  it('can be given as rows or as a share', () => {
    expect(parseRejectLimit('250')).toEqual({ count: 250 })
    expect(allowedRejections(parseRejectLimit('2%'), 1_000)).toBe(20)
    expect(allowedRejections(parseRejectLimit('0'), 1_000)).toBe(0)
    expect(() => parseRejectLimit('lots')).toThrow(/number of rows \("250"\) or a share \("2%"\)/)
  })
})

describe('times in a flows request', () => {
  it('reads dates and clock times as local, and times with an offset as instants', () => {
    expect(parseFlowTime('from', '2018-02-01')).toEqual({ kind: 'local', text: '2018-02-01' })
    expect(parseFlowTime('from', '2018-02-01T08:15')).toEqual({
      kind: 'local',
      text: '2018-02-01T08:15',
    })
    expect(parseFlowTime('to', '2018-02-01T16:15:00Z')).toEqual({
      kind: 'instant',
      text: '2018-02-01T16:15:00Z',
    })
    expect(parseFlowTime('to', '2018-02-01T08:15:00-08:00').kind).toBe('instant')
  })

  it('refuses what is not a date, and dates that do not exist', () => {
    expect(() => parseFlowTime('from', '2018-02-29')).toThrow(/not a real date/)
    expect(() => parseFlowTime('from', '2018-02-01T24:00')).toThrow(/not a real date/)
    expect(() => parseFlowTime('to', '1517443200')).toThrow(/to must be a date/)
  })
})
