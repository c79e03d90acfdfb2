import { z } from 'zod'
import { idParamSchema, idSchema } from '../dispatch.js'
import {
  STATION_KEYS,
  TRIP_FILE_NAME,
  tripImportRequestSchema,
  type ChosenFiles,
  type QuarantinedImport,
  type QuarantineDecision,
  type TripImportReport,
  type TripUploadRequest,
} from '../trips.js'
import { NONE, operation, shaped } from './operation.js'
import { DISPATCH } from './roles.js'

/** Trip imports: from the desktop's disk, or a file uploaded from a browser. */

/**
 * A month of Divvy, the largest system's files, is about 150 MB uncompressed; a year in one file
 * would not fit a single transaction's staging anyway.
 */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024

/** What a browser sends a trip file as: its own type for the file, or plain bytes. */
export const UPLOAD_TYPES = [
  'application/octet-stream',
  'text/csv',
  'application/csv',
  // Windows browsers name .csv files so.
  'application/vnd.ms-excel',
  'application/gzip',
  'application/x-gzip',
  'application/zip',
  'application/x-zip-compressed',
] as const

export const NDJSON = 'application/x-ndjson'

const uploadQuery = z
  .object({
    name: z
      .string({ error: 'is required: the file name, ending in .csv, .csv.gz or .zip' })
      .min(1, 'is required: the file name, ending in .csv, .csv.gz or .zip')
      .max(255, 'must be at most 255 characters')
      .refine((name) => !/[/\\\0]/.test(name), 'must be a file name, not a path')
      .refine((name) => TRIP_FILE_NAME.test(name), 'must end in .csv, .csv.gz or .zip'),
    system: z.string().min(1).max(200).optional(),
    tz: z.string().min(1).max(64).optional(),
    match_by: z.enum(STATION_KEYS).optional(),
    max_rejected: z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*%?\s*$/, 'must be a number of rows ("250") or a share ("2%")')
      .optional(),
  })
  .strict()
export type UploadQuery = z.output<typeof uploadQuery>

const reportSchema = z
  .object({
    systemId: z.string(),
    timeZone: z.string(),
    outcomes: z.array(z.object({ status: z.string(), file: z.string() }).loose()),
  })
  .loose()

const ON_DISK =
  'importing trip files from disk needs the desktop app (in a browser, choose a file to upload it; on the server, `balancer import-trips`)'

export const importTrips = operation({
  name: 'trips:import',
  summary: 'Import trip files from the disk of the machine running the server',
  roles: DISPATCH,
  input: tripImportRequestSchema,
  output: shaped<TripImportReport>(),
  // Trip files named by path are read from the disk of the machine running the server: a browser
  // elsewhere on the LAN has no business naming paths there. It uploads the file instead.
  route: { desktopOnly: ON_DISK },
  example: { paths: ['/data/201802-fordgobike-tripdata.csv.gz'], systemId: 'fgb' },
})

export const chooseTripFiles = operation({
  name: 'trips:chooseFiles',
  summary: "The desktop's native open dialog for trip files",
  roles: DISPATCH,
  input: NONE,
  output: shaped<ChosenFiles>(),
  route: {
    desktopOnly: 'the file dialog is the desktop app’s: in a browser, choose a file to upload it',
  },
  example: undefined,
})

export const uploadTrips = operation({
  name: 'trips:upload',
  summary: 'Import one trip file sent as the body (.csv, .csv.gz or .zip)',
  description: `Send the file's bytes as the body (Content-Type ${UPLOAD_TYPES.join(', ')}), its name in \`name\`. The answer is the import's report (201). With \`Accept: ${NDJSON}\` it is a stream of JSON lines instead: \`{"progress": {...}}\` while the file is read, then \`{"report": {...}}\` or \`{"error": {"detail", "code"}}\`. At most ${MAX_UPLOAD_BYTES} bytes.`,
  roles: DISPATCH,
  input: z
    .object({
      file: z.custom<Blob>((value) => value instanceof Blob, 'must be a file'),
      fileName: z.string().max(255),
      systemId: z.string().optional(),
      timeZone: z.string().optional(),
      stationKey: z.enum(STATION_KEYS).optional(),
      maxRejected: z.string().optional(),
    })
    .strict() satisfies z.ZodType<TripUploadRequest>,
  output: shaped<TripImportReport>(reportSchema),
  route: {
    method: 'post',
    path: '/trips/imports',
    tag: 'trips',
    query: uploadQuery,
    status: 201,
    alsoProduces: [NDJSON],
    errors: [413, 415, 422],
    // The body is the file's bytes: the client streams it (src/renderer/src/api/upload.ts).
    toHttp: ({ fileName, systemId, timeZone, stationKey, maxRejected }) => ({
      query: {
        name: fileName,
        system: systemId,
        tz: timeZone,
        match_by: stationKey,
        max_rejected: maxRejected,
      },
    }),
  },
  example: { file: new Blob(['duration_sec\n']), fileName: 'a.csv' },
})

const quarantinedSchema = z
  .object({
    importId: z.int(),
    systemId: z.string(),
    file: z.string(),
    importedAt: z.string(),
    rowsImported: z.int(),
    firstStartedAt: z.string().nullable(),
    lastEndedAt: z.string().nullable(),
    tripEnds: z.int(),
    tripEndsMatched: z.int(),
    matchRate: z.number(),
    problem: z.string(),
    advice: z.string(),
  })
  .strict()

const decisionSchema = z
  .object({
    importId: z.int(),
    systemId: z.string(),
    file: z.string(),
    decision: z.enum(['accepted', 'discarded']),
    trips: z.int(),
    flowBins: z.int(),
  })
  .strict()

export const quarantinedTrips = operation({
  name: 'trips:quarantined',
  summary: 'Trip imports kept apart: their station ids matched fewer than half their trip ends',
  description:
    'Their trips are not in station flows, profiles or the demand model until a dispatcher accepts or discards them. Each says what is wrong and what to do.',
  roles: DISPATCH,
  input: z.object({ system: z.string().min(1).max(200).optional() }).strict(),
  output: shaped<QuarantinedImport[]>(z.array(quarantinedSchema)),
  route: {
    method: 'get',
    path: '/trips/imports/quarantined',
    tag: 'trips',
    query: z.object({ system: z.string().min(1).max(200).optional() }).strict(),
  },
  example: {},
})

const importParams = z.object({ import_id: idParamSchema }).strict()

function decision(verb: 'accept' | 'discard', summary: string) {
  return {
    summary,
    roles: DISPATCH,
    input: z.object({ import_id: idSchema }).strict(),
    output: shaped<QuarantineDecision>(decisionSchema),
    route: {
      method: 'post' as const,
      path: `/trips/imports/{import_id}/${verb}`,
      tag: 'trips',
      params: importParams,
      errors: [404, 409],
    },
    example: { import_id: 7 },
  }
}

export const acceptTrips = operation({
  name: 'trips:accept',
  ...decision(
    'accept',
    "Accept a quarantined trip import: its trips join trips and station flows (the engine's next fit sees them)",
  ),
})

export const discardTrips = operation({
  name: 'trips:discard',
  ...decision(
    'discard',
    'Discard a quarantined trip import: its trips and record are deleted (the file can be imported again)',
  ),
})

export const TRIPS = [
  importTrips,
  chooseTripFiles,
  uploadTrips,
  quarantinedTrips,
  acceptTrips,
  discardTrips,
] as const
