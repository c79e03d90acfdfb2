import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Request } from 'express'
import { z } from 'zod'
import {
  STATION_KEYS,
  TRIP_FILE_NAME,
  type TripImportOutcome,
  type TripImportReport,
} from '../../shared/trips.js'
import { ApiRouter } from '../http/api-router.js'
import { HttpError } from '../http/errors.js'
import { describeError, errorCode } from '../errors.js'
import type { TripsService } from './trips.service.js'

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

const reportSchema = z
  .object({
    systemId: z.string(),
    timeZone: z.string(),
    outcomes: z.array(z.object({ status: z.string(), file: z.string() }).loose()),
  })
  .loose()

/** The request's body into `file`, refusing more than `limit` bytes; the byte count. */
async function receive(req: Request, file: string, limit: number): Promise<number> {
  let bytes = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      if (bytes > limit) {
        done(new HttpError(413, 'body_too_large', `body: the file is larger than ${limit} bytes`))
        return
      }
      done(null, chunk)
    },
  })
  await pipeline(req, counter, createWriteStream(file, { mode: 0o600 }))
  return bytes
}

/** The uploaded file's name wherever the import names its temporary copy. */
function renamed(report: TripImportReport, path: string, name: string): TripImportReport {
  const fix = (text: string) => text.split(path).join(name)
  return {
    ...report,
    outcomes: report.outcomes.map((outcome): TripImportOutcome =>
      outcome.status === 'failed'
        ? { ...outcome, file: name, error: fix(outcome.error) }
        : { ...outcome, file: name },
    ),
  }
}

/**
 * POST /trips/imports: a trip file's bytes, for the console in a browser (the desktop app imports
 * from disk). The body streams to a temporary file that the same import as `trips:import` reads,
 * then goes. Everything about the request is checked before a byte is read, so a bad request
 * changes nothing; the import itself is one transaction per file.
 */
export function tripsRoutes(trips: TripsService, maxBytes = MAX_UPLOAD_BYTES): ApiRouter {
  const api = new ApiRouter()

  api.channelEndpoint(
    'trips:upload',
    trips,
    {
      method: 'post',
      path: '/trips/imports',
      tag: 'trips',
      summary: 'Import one trip file sent as the body (.csv, .csv.gz or .zip)',
      description: `Send the file's bytes as the body (Content-Type ${UPLOAD_TYPES.join(', ')}), its name in \`name\`. The answer is the import's report (201). With \`Accept: ${NDJSON}\` it is a stream of JSON lines instead: \`{"progress": {...}}\` while the file is read, then \`{"report": {...}}\` or \`{"error": {"detail", "code"}}\`. At most ${maxBytes} bytes.`,
      access: ['dispatcher'],
      query: uploadQuery,
      response: reportSchema,
      status: 201,
      alsoProduces: [NDJSON],
      errors: [413, 415, 422],
    },
    async (importFiles, { query, req, res }) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
      if (!(UPLOAD_TYPES as readonly string[]).includes(type)) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          `Content-Type: send the file's bytes as ${UPLOAD_TYPES.slice(0, 2).join(' or ')} (or its own type), not "${type || 'nothing'}"`,
        )
      }
      const length = Number(req.headers['content-length'])
      if (Number.isFinite(length) && length > maxBytes) {
        throw new HttpError(
          413,
          'body_too_large',
          `body: the file is larger than ${maxBytes} bytes`,
        )
      }
      if (length === 0) throw new HttpError(400, 'invalid_request', 'body: the file is empty')

      const streaming = req.accepts(['json', NDJSON]) === NDJSON
      // An object, not a let: the compiler cannot see the progress callback set it.
      const stream = { started: false }
      const line = (value: unknown) => {
        if (!stream.started) {
          res.writeHead(200, {
            'Content-Type': `${NDJSON}; charset=utf-8`,
            'Cache-Control': 'no-store',
          })
          stream.started = true
        }
        res.write(`${JSON.stringify(value)}\n`)
      }
      const dir = await mkdtemp(join(tmpdir(), 'balancer-upload-'))
      const path = join(dir, basename(query.name).replace(/[^\w.\- ]/g, '_'))
      let report: TripImportReport
      try {
        const bytes = await receive(req, path, maxBytes)
        if (bytes === 0) throw new HttpError(400, 'invalid_request', 'body: the file is empty')
        report = renamed(
          await importFiles(
            {
              paths: [path],
              systemId: query.system,
              timeZone: query.tz,
              stationKey: query.match_by,
              maxRejected: query.max_rejected,
            },
            streaming
              ? (progress) => line({ progress: { ...progress, file: query.name } })
              : undefined,
          ),
          path,
          query.name,
        )
      } catch (error) {
        // Before the first progress line the error still gets its status code.
        if (!stream.started) throw error
        line({ error: { detail: describeError(error), code: errorCode(error) } })
        res.end()
        return undefined
      } finally {
        // Gone before the answer ends, so nothing of the upload outlives the request.
        await rm(dir, { recursive: true, force: true })
      }
      if (!streaming) {
        res.status(201).json(report)
      } else {
        line({ report })
        res.end()
      }
      return undefined
    },
  )

  return api
}
