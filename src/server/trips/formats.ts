import { parse } from 'csv-parse/sync'

/**
 * What a trip file can tell about one trip, whatever its format calls it. Everything else in a
 * file (birth year, gender, rental method) is not imported.
 */
export type TripField =
  | 'ride_id'
  | 'rideable_type'
  | 'started_at'
  | 'ended_at'
  | 'duration_sec'
  | 'start_station_id'
  | 'start_station_name'
  | 'start_lat'
  | 'start_lon'
  | 'end_station_id'
  | 'end_station_name'
  | 'end_lat'
  | 'end_lon'
  | 'bike_id'
  | 'member_type'

export type TripFormatName = 'fordgobike' | 'lyft' | 'motivate'

export interface TripFormat {
  name: TripFormatName
  label: string
  /** The file's column for each field it has, as the header spells it (lower case). */
  columns: Partial<Record<TripField, string>>
  /** Columns the format may carry that are not imported. */
  ignored: readonly string[]
}

/**
 * The trip file formats Lyft (and Motivate before it) published. Detection is by column names,
 * never by position or count: the 2019-11 Bay Wheels file has 15 columns, not 16, and columns
 * moved between years.
 */
export const TRIP_FORMATS: readonly TripFormat[] = [
  {
    name: 'fordgobike',
    label: 'Ford GoBike / Bay Wheels (2017-2020)',
    columns: {
      duration_sec: 'duration_sec',
      started_at: 'start_time',
      ended_at: 'end_time',
      start_station_id: 'start_station_id',
      start_station_name: 'start_station_name',
      start_lat: 'start_station_latitude',
      start_lon: 'start_station_longitude',
      end_station_id: 'end_station_id',
      end_station_name: 'end_station_name',
      end_lat: 'end_station_latitude',
      end_lon: 'end_station_longitude',
      bike_id: 'bike_id',
      member_type: 'user_type',
    },
    ignored: [
      'member_birth_year',
      'member_gender',
      'bike_share_for_all_trip',
      'rental_access_method',
    ],
  },
  {
    name: 'lyft',
    label: 'Lyft (2020 on: Bay Wheels, Divvy, Citi Bike, Bluebikes)',
    columns: {
      ride_id: 'ride_id',
      rideable_type: 'rideable_type',
      started_at: 'started_at',
      ended_at: 'ended_at',
      start_station_name: 'start_station_name',
      start_station_id: 'start_station_id',
      end_station_name: 'end_station_name',
      end_station_id: 'end_station_id',
      start_lat: 'start_lat',
      start_lon: 'start_lng',
      end_lat: 'end_lat',
      end_lon: 'end_lng',
      member_type: 'member_casual',
    },
    ignored: [],
  },
  {
    name: 'motivate',
    label: 'Motivate (Citi Bike, Bluebikes, Divvy before 2020)',
    columns: {
      duration_sec: 'tripduration',
      started_at: 'starttime',
      ended_at: 'stoptime',
      start_station_id: 'start station id',
      start_station_name: 'start station name',
      start_lat: 'start station latitude',
      start_lon: 'start station longitude',
      end_station_id: 'end station id',
      end_station_name: 'end station name',
      end_lat: 'end station latitude',
      end_lon: 'end station longitude',
      bike_id: 'bikeid',
      member_type: 'usertype',
    },
    ignored: ['birth year', 'gender', 'postal code'],
  },
]

export type Delimiter = ',' | ';'

export interface TripFileHeader {
  format: TripFormat
  delimiter: Delimiter
  /** The header's columns as the file spells them. */
  columns: string[]
  /** The 0-based column of each field the format has. */
  fieldColumns: Partial<Record<TripField, number>>
  /** Columns neither imported nor known to the format (kept in rejected rows only). */
  unknownColumns: string[]
}

/** A header no format matches; the message names what each format expects. */
export class TripFormatError extends Error {
  override name = 'TripFormatError'
}

function requiredColumns(format: TripFormat): string[] {
  return Object.values(format.columns)
}

function splitHeader(line: string, delimiter: Delimiter): string[] {
  const rows = parse(line, { delimiter, bom: true, relax_column_count: true })
  return (rows[0] ?? []).map((column) => column.trim().toLowerCase())
}

function describeFormats(): string {
  return TRIP_FORMATS.map(
    (format) => `${format.label}: ${requiredColumns(format).join(', ')}`,
  ).join('; ')
}

/**
 * Picks the format and dialect from a file's first line: comma or semicolon, quoted or not,
 * with or without a byte-order mark. Lines end in LF or CRLF; PostgreSQL's COPY takes either.
 */
export function detectTripHeader(firstLine: string): TripFileHeader {
  const line = firstLine.replace(/\r?\n$/, '')
  const candidates = ([',', ';'] as const).map((delimiter) => {
    let columns: string[]
    try {
      columns = splitHeader(line, delimiter)
    } catch {
      columns = []
    }
    return { delimiter, columns }
  })
  for (const { delimiter, columns } of candidates) {
    for (const format of TRIP_FORMATS) {
      const required = requiredColumns(format)
      if (!required.every((column) => columns.includes(column))) continue
      const duplicate = columns.find((column, index) => columns.indexOf(column) !== index)
      if (duplicate !== undefined) {
        throw new TripFormatError(`the header names column "${duplicate}" twice`)
      }
      const fieldColumns: Partial<Record<TripField, number>> = {}
      for (const [field, column] of Object.entries(format.columns) as [TripField, string][]) {
        fieldColumns[field] = columns.indexOf(column)
      }
      const known = new Set([...required, ...format.ignored])
      return {
        format,
        delimiter,
        columns,
        fieldColumns,
        unknownColumns: columns.filter((column) => !known.has(column)),
      }
    }
  }

  const best = candidates.reduce((a, b) => (b.columns.length > a.columns.length ? b : a))
  const shown = best.columns.length > 0 ? best.columns.join(', ') : '(nothing)'
  let closest = ''
  if (best.columns.length > 1) {
    const ranked = TRIP_FORMATS.map((format) => ({
      format,
      missing: requiredColumns(format).filter((column) => !best.columns.includes(column)),
    })).sort((a, b) => a.missing.length - b.missing.length)
    const nearest = ranked[0]
    if (nearest && nearest.missing.length <= 3) {
      closest = ` It looks like ${nearest.format.label} without ${nearest.missing.join(', ')}.`
    }
  }
  throw new TripFormatError(
    `unrecognised trip file header (${shown}).${closest} Expected the columns of one of: ${describeFormats()}`,
  )
}
