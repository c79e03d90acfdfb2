import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Request } from 'express'
import {
  MAX_UPLOAD_BYTES,
  NDJSON,
  UPLOAD_TYPES,
  type UploadQuery,
} from '../../shared/operations/trips.js'
import type { TripImportOutcome, TripImportReport } from '../../shared/trips.js'
import { HttpError } from '../http/errors.js'
import { describeError, errorCode } from '../errors.js'
import type { HttpCall } from '../operations/context.js'
import type { TripsService } from './trips.service.js'

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
 * changes nothing; the import itself is one transaction per file. The largest file taken is the
 * app's `maxUploadBytes` (app.locals), else MAX_UPLOAD_BYTES.
 */
export async function receiveUpload(trips: TripsService, http: HttpCall): Promise<undefined> {
  const { req, res } = http
  const query = http.query as UploadQuery
  const maxBytes =
    (req.app.locals as { maxUploadBytes?: number }).maxUploadBytes ?? MAX_UPLOAD_BYTES
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
    throw new HttpError(413, 'body_too_large', `body: the file is larger than ${maxBytes} bytes`)
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
      await trips.importFiles(
        {
          paths: [path],
          systemId: query.system,
          timeZone: query.tz,
          stationKey: query.match_by,
          maxRejected: query.max_rejected,
        },
        streaming ? (progress) => line({ progress: { ...progress, file: query.name } }) : undefined,
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
}
