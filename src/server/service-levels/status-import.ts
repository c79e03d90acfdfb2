import { basename } from 'node:path'
import type {
  StatusImportDone,
  StatusImportProgress,
  StatusImportReport,
  StatusImportRequest,
  StatusImportSkipped,
  StatusImportStations,
} from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import { describeError, ServiceError } from '../errors.js'
import {
  copyIntoStaging,
  createStaging,
  describeCopyFailure,
  fastThenCareful,
} from '../imports/csv-staging.js'
import { lockImportContent, withImportTransaction } from '../imports/import-connection.js'
import { createImportProgress } from '../imports/import-progress.js'
import { parseRejectLimit, tooManyRejected, type RejectLimit } from '../imports/reject-limit.js'
import type { Logger } from '../logger.js'
import { chooseSystem, listSystems, type SystemRow } from '../systems/system-choice.js'
import { checkTimeZone, DEFAULT_TIME_ZONE } from '../systems/time-zone.js'
import { openTripSource, type TripSource } from '../trips/source.js'
import { loadStationFile, siblingSystemInformation } from '../trips/station-file.js'
import { markImportSummarised, summariseLeftoverImports } from '../upkeep/unsummarised-imports.js'
import { detectStatusHeader, stationFilesBeside, type StatusFileHeader } from './status-file.js'
import {
  attachHistoryMonth,
  prepareHistoryTarget,
  writeHistory,
} from './status-history.repository.js'
import {
  createTryTimestamp,
  findImportByHash,
  finishImport,
  firstRejections,
  insertImport,
  insertRejections,
  readTimesInUtc,
  settleHistory,
  systemTimeZone,
} from './status-import.repository.js'
import { createFileSnapshots, createStatusRows, summariseFile } from './status-rows.repository.js'

/**
 * A history that cannot be imported as it is; the message says why and what to do. Nothing of
 * the file was written.
 */
export class StatusImportError extends ServiceError {
  constructor(code: string, detail: string, options?: { cause?: unknown }) {
    super('unprocessable', code, detail)
    this.name = 'StatusImportError'
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

/** The app's default feed is Bay Wheels; MobilityData's systems.csv calls it lyft_bay. */
export const DEFAULT_STATUS_SYSTEM = { systemId: 'lyft_bay', name: 'Bay Wheels' } as const

/** How many rejected rows a report and a refusal quote; all of them are kept in the table. */
const REJECTIONS_SHOWN = 5

export type StatusFileDone = Omit<StatusImportDone, 'systemCreated' | 'stationsLoaded'>
export type StatusFileSkipped = Omit<StatusImportSkipped, 'systemCreated' | 'stationsLoaded'>

export interface ImportStatusFileOptions {
  /** With credentials: the import opens a connection of its own. */
  databaseUrl: string
  systemId: string
  rejectLimit?: RejectLimit
  onProgress?: (progress: StatusImportProgress) => void
  /** How often progress is reported while the file is read. */
  progressMs?: number
}

/** A COPY failure, said as a fact about the file with the file's own column names. */
function copyFailure(
  source: TripSource,
  header: StatusFileHeader,
  error: unknown,
): StatusImportError {
  const failure = describeCopyFailure(source.name, error, header.columns)
  if (failure.damaged) return new StatusImportError('damaged_file', failure.detail)
  // The source names the file itself ("week.csv.gz ends early (truncated gzip): ...").
  const said = failure.message.startsWith(source.name)
    ? failure.message
    : `${source.name}: ${failure.message}`
  return new StatusImportError('unreadable_file', `${said}; nothing was imported`)
}

/**
 * Imports one status history into one system, in one transaction: the bytes stream into COPY
 * of a temporary staging table (PostgreSQL parses the CSV), one statement types and judges the
 * rows, and one writes station_status, the absences and the snapshots. A failure anywhere, or a
 * killed process, rolls all of it back; the temporary tables go with it.
 */
export async function importStatusFile(
  path: string,
  options: ImportStatusFileOptions,
): Promise<StatusFileDone | StatusFileSkipped> {
  const started = performance.now()
  let source: TripSource
  try {
    source = await openTripSource(path)
  } catch (error) {
    throw new StatusImportError('unreadable_file', (error as Error).message, { cause: error })
  }
  let header: StatusFileHeader
  try {
    header = detectStatusHeader(source.headerLine)
  } catch (error) {
    source.close()
    throw new StatusImportError('wrong_header', `${source.name}: ${(error as Error).message}`)
  }
  const progress = createImportProgress(source, started, options.onProgress)

  return withImportTransaction(
    {
      databaseUrl: options.databaseUrl,
      applicationName: 'balancer import-status',
      source,
      importedMeanwhile: (detail, cause) =>
        new StatusImportError('imported_meanwhile', detail, { cause }),
    },
    async (client) => {
      await readTimesInUtc(client)
      await createStaging(client, 'status_staging', header.columns.length, { numbered: true })
      let rowsRead: number
      try {
        rowsRead = await progress.whileReading(options.progressMs ?? 250, () =>
          copyIntoStaging(
            client,
            'status_staging',
            { columns: header.columns, delimiter: ',' },
            source.stream,
          ),
        )
      } catch (error) {
        throw copyFailure(source, header, error)
      }
      progress.report('writing', rowsRead)
      if (rowsRead === 0) {
        throw new StatusImportError('empty_file', `${source.name} has a header but no rows`)
      }

      const sha256 = source.sha256()
      await lockImportContent(client, 'status_imports', options.systemId, sha256)
      const previous = await findImportByHash(client, options.systemId, sha256)
      if (previous) {
        await client.query('rollback')
        return {
          status: 'already-imported',
          file: source.name,
          importId: previous.importId,
          systemId: options.systemId,
          timeZone: await systemTimeZone(client, options.systemId),
          importedAt: previous.importedAt.toISOString(),
          rowsRead: previous.rowsRead,
          rowsWritten: previous.rowsWritten,
        }
      }

      // Casts directly; if some value does not parse, rereads the staging table carefully.
      await fastThenCareful(client, async (careful) => {
        if (careful) await createTryTimestamp(client)
        await createStatusRows(client, header, { systemId: options.systemId, careful })
      })
      await createFileSnapshots(client)
      const summary = await summariseFile(client, options.systemId)
      const rejections =
        summary.rowsRejected > 0 ? await firstRejections(client, REJECTIONS_SHOWN) : []
      const refusal = tooManyRejected(
        source.name,
        { read: rowsRead, rejected: summary.rowsRejected, first: rejections },
        options.rejectLimit,
      )
      if (refusal) throw new StatusImportError('too_many_rejected', refusal)
      const rowsGood = rowsRead - summary.rowsRejected
      if (rowsGood > 0 && summary.rowsUnknownStation === rowsGood) {
        // Recording it would make the same file a no-op once the right stations are loaded.
        throw new StatusImportError(
          'no_known_stations',
          `${source.name}: none of its stations is a station of system ${options.systemId} (${summary.unknownStationExamples.join(', ')}, ...), so nothing was imported; give the stations with --stations station_information.json, or the right system with --system`,
        )
      }

      const importId = await insertImport(client, {
        systemId: options.systemId,
        fileName: source.name,
        sha256,
        rowsRead,
        summary,
      })
      if (summary.rowsRejected > 0) await insertRejections(client, importId)
      const target =
        summary.firstSnapshotAt && summary.lastSnapshotAt
          ? await prepareHistoryTarget(client, {
              first: summary.firstSnapshotAt,
              last: summary.lastSnapshotAt,
            })
          : { table: 'station_status', month: null }
      const written = await writeHistory(client, { systemId: options.systemId, importId, target })
      await attachHistoryMonth(client, target)
      const seconds = progress.elapsed()
      await finishImport(client, {
        importId,
        rowsWritten: written.rowsWritten,
        stations: written.stations,
        bytes: source.counters().csvBytes,
        seconds,
      })
      const timeZone = await systemTimeZone(client, options.systemId)
      await client.query('commit')
      await settleHistory(client)

      const median = summary.medianSpacingSeconds
      return {
        status: 'imported',
        file: source.name,
        importId,
        systemId: options.systemId,
        timeZone,
        rowsRead,
        rowsWritten: written.rowsWritten,
        rowsUnchanged: written.rowsListed - written.rowsChanged,
        rowsAlreadyStored: written.rowsChanged - written.rowsWritten,
        rowsRejected: summary.rowsRejected,
        rejections,
        rowsUnknownStation: summary.rowsUnknownStation,
        unknownStationExamples: summary.unknownStationExamples,
        snapshots: summary.snapshots,
        stations: written.stations,
        absences: written.absences,
        firstSnapshotAt: summary.firstSnapshotAt?.toISOString() ?? null,
        lastSnapshotAt: summary.lastSnapshotAt?.toISOString() ?? null,
        medianSpacingSeconds: median,
        bridgeMinutes: median === null ? null : (2 * median) / 60,
        seconds,
        rowsPerSecond: seconds > 0 ? Math.round(rowsRead / seconds) : 0,
        days: summary.days,
      }
    },
  )
}

export interface StatusImportService {
  /** Imports one history in one transaction, then has the days it covers summarised again. */
  importFile(
    request: StatusImportRequest,
    onProgress?: (progress: StatusImportProgress) => void,
  ): Promise<StatusImportReport>
}

export interface StatusImportDeps {
  db: Database
  /** With credentials: the import opens a connection of its own. */
  databaseUrl: string
  logger: Logger
  /** Recomputes the daily service summaries of the local days [fromDay, toDay) of a system. */
  refreshDays: (systemId: string, fromDay: string, toDay: string) => Promise<unknown>
}

function invalid(code: string, detail: string): ServiceError {
  return new ServiceError('invalid', code, detail)
}

export function createStatusImportService(deps: StatusImportDeps): StatusImportService {
  async function stationCount(systemId: string): Promise<number> {
    const row = await deps.db
      .selectFrom('stations')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('system_id', '=', systemId)
      .executeTakeFirst()
    return row?.count ?? 0
  }

  /**
   * The system the history goes into and its stations, per the README (import-status): the
   * system named, else the one a system_information.json beside the file names, else the only
   * one, else (an empty database) Bay Wheels; the stations of --stations, else those beside the
   * file, loaded first in a transaction of their own, as import-trips does.
   */
  async function prepareSystem(request: StatusImportRequest): Promise<{
    system: SystemRow
    systemCreated: boolean
    stationsLoaded: StatusImportStations | null
  }> {
    const info =
      (await siblingSystemInformation(request.path)) ??
      (request.stationsFile ? await siblingSystemInformation(request.stationsFile) : null)
    const systems = await listSystems(deps.db)
    let systemId = request.systemId ?? info?.systemId
    if (!systemId) {
      // Several systems and none named: chooseSystem's error lists them.
      systemId =
        systems.length > 1
          ? (await chooseSystem(deps.db)).systemId
          : (systems[0]?.systemId ?? DEFAULT_STATUS_SYSTEM.systemId)
    }
    const described = info?.systemId === systemId ? info : null
    const name =
      described?.name ??
      (systemId === DEFAULT_STATUS_SYSTEM.systemId ? DEFAULT_STATUS_SYSTEM.name : systemId)
    const timezone = request.timeZone ?? described?.timezone ?? DEFAULT_TIME_ZONE
    const existed = systems.some((s) => s.systemId === systemId)

    const files = request.stationsFile
      ? [request.stationsFile]
      : await stationFilesBeside(request.path)
    if (!existed && files.length === 0) {
      throw invalid(
        'no_stations',
        `${systems.length === 0 ? 'the database has no systems yet' : `no system "${systemId}"`} and no station_information.json is beside ${request.path}: give the stations with --stations station_information.json (the system ${systemId} is created), or poll its GBFS feed first`,
      )
    }

    let systemCreated = false
    let stationsLoaded: StatusImportStations | null = null
    if (files.length > 0) {
      const ids = new Set<string>()
      const skipped: string[] = []
      for (const file of files) {
        const loaded = await loadStationFile(deps.db, file, { systemId, name, timezone })
        systemCreated ||= loaded.systemCreated
        for (const id of loaded.stationIds) ids.add(id)
        skipped.push(...loaded.skipped.map((reason) => `${basename(file)}: ${reason}`))
      }
      stationsLoaded = { files, loaded: ids.size, skipped }
    }
    const system = await chooseSystem(deps.db, systemId)
    if ((await stationCount(system.systemId)) === 0) {
      throw invalid(
        'no_stations',
        `system ${system.systemId} has no stations, so no status could be kept: give them with --stations station_information.json, or poll its GBFS feed first`,
      )
    }
    return { system, systemCreated, stationsLoaded }
  }

  return {
    async importFile(request, onProgress) {
      const started = performance.now()
      const rejectLimit = parseRejectLimit(request.maxRejected)
      if (request.timeZone) await checkTimeZone(deps.db, request.timeZone)
      // An earlier run killed between its commit and its summaries: its days first.
      await summariseLeftoverImports(deps.db, deps.refreshDays, deps.logger)
      const { system, systemCreated, stationsLoaded } = await prepareSystem(request)
      const outcome = await importStatusFile(request.path, {
        databaseUrl: deps.databaseUrl,
        systemId: system.systemId,
        rejectLimit,
        onProgress,
      })
      const finished = (rowsDone: number) => {
        const seconds = (performance.now() - started) / 1000
        onProgress?.({
          file: outcome.file,
          phase: 'done',
          rowsDone,
          rowsPerSecond: seconds > 0 ? Math.round(rowsDone / seconds) : 0,
          percent: 100,
          elapsedSeconds: seconds,
        })
      }
      if (outcome.status === 'already-imported') {
        finished(outcome.rowsRead)
        return { ...outcome, systemCreated, stationsLoaded }
      }
      deps.logger.debug(
        { file: request.path, importId: outcome.importId, rowsWritten: outcome.rowsWritten },
        'status history imported',
      )
      if (outcome.days) {
        onProgress?.({
          file: outcome.file,
          phase: 'refreshing',
          rowsDone: outcome.rowsRead,
          rowsPerSecond: outcome.rowsPerSecond,
          percent: 100,
          elapsedSeconds: outcome.seconds,
        })
        try {
          await deps.refreshDays(system.systemId, outcome.days.from, outcome.days.to)
        } catch (error) {
          deps.logger.error({ err: error, importId: outcome.importId }, 'service days refresh')
          throw new ServiceError(
            'unavailable',
            'refresh_failed',
            `${outcome.file} was imported (import #${outcome.importId}), but recomputing the service summaries of ${outcome.days.from} to ${outcome.days.to} (exclusive) failed: ${describeError(error)}; the next import-status or the leader's upkeep tries again`,
          )
        }
      }
      await markImportSummarised(deps.db, outcome.importId)
      finished(outcome.rowsRead)
      return { ...outcome, systemCreated, stationsLoaded }
    },
  }
}
