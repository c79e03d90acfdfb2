import pg from 'pg'
import type {
  StationKey,
  TripImportDone,
  TripImportProgress,
  TripImportSkipped,
} from '../../shared/trips.js'
import { detectTripHeader, type TripFileHeader } from './formats.js'
import { openTripSource, type TripSource } from './source.js'
import {
  addImportFlows,
  checkTimeZone,
  copyIntoStaging,
  createStaging,
  findImportByHash,
  finishImport,
  firstRejections,
  insertImport,
  insertRejections,
  insertTrips,
  lockFlows,
  lockImportContent,
  matchStations,
  prepareImportSession,
  prepareImportTransaction,
  type ImportConnection,
  type InsertedTrips,
} from './trips.repository.js'

/** A trip file that cannot be imported as it is; the message says why and what to do. */
export class TripImportError extends Error {
  override name = 'TripImportError'
}

/**
 * How many bad rows a file may have before it is refused rather than imported without them:
 * a count, or a share of its rows with a floor (so that a 49-row sample with one bad row still
 * imports under the default).
 */
export type RejectLimit = { count: number } | { percent: number; atLeast: number }

export const DEFAULT_REJECT_LIMIT: RejectLimit = { percent: 1, atLeast: 10 }

export function allowedRejections(limit: RejectLimit, rows: number): number {
  return 'count' in limit
    ? limit.count
    : Math.max(limit.atLeast, Math.floor((limit.percent / 100) * rows))
}

export interface ImportFileOptions {
  /** With credentials: the import opens a connection of its own. */
  databaseUrl: string
  systemId: string
  timeZone: string
  /** Match station ids against this column instead of the one that matches most. */
  stationKey?: StationKey | null
  rejectLimit?: RejectLimit
  onProgress?: (progress: TripImportProgress) => void
  /** How often progress is reported while the file is read. */
  progressMs?: number
}

/** PostgreSQL's SQLSTATE class 22: a value that does not fit its type. */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('22')
}

/**
 * COPY failures name a line ("COPY trip_staging, line 14647: ..."); say it as a fact about the
 * file. A stream failure (a truncated gzip, an unreadable zip) arrives as its own error.
 */
function copyFailure(source: TripSource, error: unknown): TripImportError {
  const pgError = error as { code?: string; where?: string; message: string }
  const line = /line (\d+)/.exec(pgError.where ?? '')?.[1]
  if (pgError.code === '22P04' || pgError.code === '22P02' || pgError.code === '22021') {
    return new TripImportError(
      `${source.name}${line ? `, line ${line}` : ''}: ${pgError.message}; the file is damaged or cut off, so nothing was imported`,
    )
  }
  return new TripImportError(`${source.name}: ${pgError.message}; nothing was imported`)
}

function describeRejections(rejections: { line: number; reason: string }[]): string {
  return rejections.map((r) => `line ${r.line}: ${r.reason}`).join('; ')
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'balancer import-trips' })
  // A connection that drops while idle emits here; the next query reports it.
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/** Inserts the good rows, casting directly; if some value does not parse, carefully. */
async function insertGoodRows(
  client: ImportConnection,
  header: TripFileHeader,
  params: { importId: number; systemId: string; timeZone: string },
): Promise<InsertedTrips & { careful: boolean }> {
  await client.query('savepoint fast_pass')
  try {
    const inserted = await insertTrips(client, header, { ...params, careful: false })
    await client.query('release savepoint fast_pass')
    return { ...inserted, careful: false }
  } catch (error) {
    if (!isDataException(error)) throw error
    await client.query('rollback to savepoint fast_pass')
    const inserted = await insertTrips(client, header, { ...params, careful: true })
    return { ...inserted, careful: true }
  }
}

/**
 * Imports one trip file into one system, in one transaction: the bytes stream into COPY of a
 * temporary staging table (PostgreSQL parses the CSV), then one statement casts, maps, validates
 * and inserts, and the new trips' counts are added to station_flows. A failure anywhere, or a
 * killed process, rolls all of it back; the staging table is temporary and goes with it.
 */
export async function importTripFile(
  path: string,
  options: ImportFileOptions,
): Promise<TripImportDone | TripImportSkipped> {
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  const source = await openTripSource(path)
  let header: TripFileHeader
  try {
    header = detectTripHeader(source.headerLine)
  } catch (error) {
    source.close()
    throw new TripImportError(`${source.name}: ${(error as Error).message}`)
  }

  const report = (phase: TripImportProgress['phase'], rowsDone: number, percent: number | null) => {
    const seconds = elapsed()
    options.onProgress?.({
      file: source.name,
      phase,
      rowsDone,
      rowsPerSecond: seconds > 0 ? Math.round(rowsDone / seconds) : 0,
      percent,
      elapsedSeconds: seconds,
    })
  }
  const readingProgress = () => {
    const counters = source.counters()
    const percent =
      source.bytesTotal && source.bytesTotal > 0
        ? Math.min(100, (100 * counters.bytesDone) / source.bytesTotal)
        : null
    report('reading', Math.max(0, counters.lines - 1), percent)
  }

  let client: pg.Client
  try {
    client = await connect(options.databaseUrl)
  } catch (error) {
    source.close()
    throw error
  }
  let timer: NodeJS.Timeout | undefined
  try {
    await prepareImportSession(client)
    await client.query('begin')
    await prepareImportTransaction(client)
    await checkTimeZone(client, options.timeZone)
    await createStaging(client, header.columns.length)

    readingProgress()
    timer = setInterval(readingProgress, options.progressMs ?? 250)
    let rowsRead: number
    try {
      rowsRead = await copyIntoStaging(client, header, source.stream)
    } catch (error) {
      throw copyFailure(source, error)
    } finally {
      clearInterval(timer)
    }
    report('inserting', rowsRead, source.bytesTotal ? 100 : null)

    const sha256 = source.sha256()
    await lockImportContent(client, options.systemId, sha256)
    const previous = await findImportByHash(client, options.systemId, sha256)
    if (previous) {
      await client.query('rollback')
      return {
        status: 'already-imported',
        file: source.name,
        importId: previous.importId,
        systemId: options.systemId,
        importedAt: previous.importedAt.toISOString(),
        rowsImported: previous.rowsImported,
      }
    }

    const stations = await matchStations(
      client,
      header,
      options.systemId,
      options.stationKey ?? null,
    )
    const importId = await insertImport(client, {
      systemId: options.systemId,
      fileName: source.name,
      sha256,
      format: header.format.name,
      timeZone: options.timeZone,
      stationKey: stations.key,
    })
    const inserted = await insertGoodRows(client, header, {
      importId,
      systemId: options.systemId,
      timeZone: options.timeZone,
    })
    const rowsRejected = rowsRead - inserted.imported
    let rejections: { line: number; reason: string }[] = []
    if (rowsRejected > 0) {
      await insertRejections(client, header, {
        importId,
        timeZone: options.timeZone,
        careful: inserted.careful,
      })
      rejections = await firstRejections(client, importId, 5)
    }
    const allowed = allowedRejections(options.rejectLimit ?? DEFAULT_REJECT_LIMIT, rowsRead)
    if (rowsRejected > allowed) {
      throw new TripImportError(
        `${source.name}: ${rowsRejected} of ${rowsRead} rows are bad (more than the ${allowed} allowed), so nothing was imported; ${describeRejections(rejections)}`,
      )
    }

    report('flows', rowsRead, source.bytesTotal ? 100 : null)
    const flowsStarted = performance.now()
    await lockFlows(client, options.systemId)
    const { tripIds, firstStartedAt, lastEndedAt } = inserted
    const flowBins =
      tripIds && firstStartedAt && lastEndedAt
        ? await addImportFlows(client, options.systemId, {
            importId,
            tripIds,
            firstStartedAt,
            lastEndedAt,
          })
        : 0
    const flowSeconds = (performance.now() - flowsStarted) / 1000

    const seconds = elapsed()
    await finishImport(client, {
      importId,
      rowsRead,
      rowsImported: inserted.imported,
      stations,
      unmatchedTrips: inserted.unmatchedTrips,
      firstStartedAt: inserted.firstStartedAt,
      lastStartedAt: inserted.lastStartedAt,
      lastEndedAt: inserted.lastEndedAt,
      bytes: source.counters().csvBytes,
      seconds,
    })
    await client.query('commit')
    report('done', rowsRead, source.bytesTotal ? 100 : null)

    return {
      status: 'imported',
      file: source.name,
      importId,
      systemId: options.systemId,
      format: header.format.name,
      timeZone: options.timeZone,
      rowsRead,
      rowsImported: inserted.imported,
      rowsRejected,
      rejections,
      stations: {
        matchedBy: stations.key,
        ids: stations.ids,
        idsMatched: stations.matched,
        matchRate: stations.ids > 0 ? stations.matched / stations.ids : null,
        unmatchedIds: stations.unmatched,
        tripsUnmatched: inserted.unmatchedTrips,
      },
      firstStartedAt: inserted.firstStartedAt?.toISOString() ?? null,
      lastEndedAt: inserted.lastEndedAt?.toISOString() ?? null,
      seconds,
      rowsPerSecond: seconds > 0 ? Math.round(rowsRead / seconds) : 0,
      flowBins,
      flowSeconds,
      hint: null,
    }
  } catch (error) {
    clearInterval(timer)
    source.close()
    await client.query('rollback').catch(() => undefined)
    if ((error as { code?: string }).code === '23505') {
      // The same file, committed by another import while this one ran.
      throw new TripImportError(`${source.name} was imported by another import meanwhile`, {
        cause: error,
      })
    }
    throw error
  } finally {
    await client.end().catch(() => undefined)
  }
}
