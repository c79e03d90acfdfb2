import type {
  QuarantinedImport,
  QuarantineDecision,
  TripImportDone,
  TripImportOutcome,
  TripImportProgress,
  TripImportReport,
  TripImportRequest,
  TripRemapReport,
} from '../../shared/trips.js'
import type { Database } from '../db/database.js'
import { describeError, ServiceError } from '../errors.js'
import { openImportConnection } from '../imports/import-connection.js'
import { parseRejectLimit } from '../imports/reject-limit.js'
import type { Logger } from '../logger.js'
import { chooseSystem, describeSystems, listSystems } from '../systems/system-choice.js'
import { checkTimeZone } from '../systems/time-zone.js'
import type { Actor } from '../auth/actor.js'
import { importTripFile, TripImportError } from './import.js'
import { decideQuarantine, listQuarantined } from './quarantine.js'
import { loadStationFile, siblingSystemInformation } from './station-file.js'
import { addNewFlows, lockFlows } from './trip-flows.repository.js'
import { importsWithUnmatchedTrips, remapImport } from './trip-remap.repository.js'

function invalid(code: string, detail: string): ServiceError {
  return new ServiceError('invalid', code, detail)
}

export interface TripsService {
  /** Imports each file in its own transaction; one failing does not stop the others. */
  importFiles(
    request: TripImportRequest,
    onProgress?: (progress: TripImportProgress) => void,
  ): Promise<TripImportReport>
  /** Maps kept trips whose station ids matched nothing to stations that exist now. */
  remapUnmatched(systemId?: string): Promise<TripRemapReport[]>
  /** Imports kept apart because their ids matched fewer than half their trip ends. */
  quarantined(systemId?: string): Promise<QuarantinedImport[]>
  /** A person's decision on a quarantined import: its trips into flows, or gone. */
  decide(
    importId: number,
    decision: QuarantineDecision['decision'],
    actor: Actor,
  ): Promise<QuarantineDecision>
}

export interface TripsDeps {
  db: Database
  /** With credentials: imports and remaps open connections of their own. */
  databaseUrl: string
  logger: Logger
}

/** What to do when trips were kept without their stations. */
export function importHint(done: TripImportDone): string | null {
  const { stations } = done
  if (stations.tripsUnmatched === 0) return null
  if (stations.matchedBy === null) {
    return `system ${done.systemId} has no stations these ids match, so all trips were kept unmatched (match rate 0 %): load its stations with --stations station_information.json (or poll its GBFS feed), then run \`balancer refresh\` to map the kept trips`
  }
  if (stations.matchRate !== null && stations.matchRate < 0.95) {
    const ids = stations.unmatchedIds.map((u) => u.id).join(', ')
    return `${stations.ids - stations.idsMatched} station ids matched no ${stations.matchedBy} (${ids}); their trips were kept. If the feed no longer lists them, load an older station_information.json with --stations and run \`balancer refresh\``
  }
  return null
}

export function createTripsService(deps: TripsDeps): TripsService {
  /** The system trips go into, per the rules in the README (import-trips). */
  async function prepareSystem(request: TripImportRequest) {
    if (request.stationsFile) {
      const info = await siblingSystemInformation(request.stationsFile)
      const systems = await listSystems(deps.db)
      // Never the only system by default: a file of another year or city would overwrite its
      // stations' names and positions.
      const systemId = request.systemId ?? info?.systemId
      if (!systemId) {
        throw invalid(
          'system_required',
          `name the system the stations of ${request.stationsFile} belong to with --system${systems.length > 0 ? `; the systems are ${describeSystems(systems)}` : ''}`,
        )
      }
      const sameSystem = info?.systemId === systemId
      const loaded = await loadStationFile(deps.db, request.stationsFile, {
        systemId,
        name: sameSystem ? info.name : undefined,
        timezone: request.timeZone ?? (sameSystem ? info.timezone : undefined),
      })
      const system = await chooseSystem(deps.db, systemId)
      return {
        system,
        systemCreated: loaded.systemCreated,
        stationsLoaded: {
          loaded: loaded.loaded,
          skipped: loaded.skipped,
          systemCreated: loaded.systemCreated,
        },
      }
    }
    const systems = await listSystems(deps.db)
    if (request.systemId && systems.length === 0) {
      // A first run on an empty database: the trips need a system to belong to; their stations
      // can follow (a poll, or --stations) and `balancer refresh` maps them then.
      await deps.db
        .insertInto('systems')
        .values({
          system_id: request.systemId,
          name: request.systemId,
          ...(request.timeZone ? { timezone: request.timeZone } : {}),
        })
        .onConflict((oc) => oc.column('system_id').doNothing())
        .execute()
      return {
        system: await chooseSystem(deps.db, request.systemId),
        systemCreated: true,
        stationsLoaded: null,
      }
    }
    try {
      return {
        system: await chooseSystem(deps.db, request.systemId),
        systemCreated: false,
        stationsLoaded: null,
      }
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'no_systems') {
        throw invalid(
          'no_systems',
          'the database has no systems yet: name one with --system ID (it is created), and load its stations with --stations station_information.json to match trips to them',
        )
      }
      throw error
    }
  }

  async function remapUnmatched(systemId?: string): Promise<TripRemapReport[]> {
    const systems = systemId ? [await chooseSystem(deps.db, systemId)] : await listSystems(deps.db)
    const reports: TripRemapReport[] = []
    for (const system of systems) {
      const client = await openImportConnection(deps.databaseUrl, 'balancer refresh')
      try {
        await client.query('begin')
        const imports = await importsWithUnmatchedTrips(client, system.systemId)
        let tripEnds = 0
        let flowBins = 0
        if (imports.length > 0) await lockFlows(client, system.systemId)
        for (const unmatched of imports) {
          const remapped = await remapImport(client, system.systemId, unmatched)
          tripEnds += remapped.tripEnds
          if (remapped.tripEnds > 0) flowBins += await addNewFlows(client, system.systemId)
        }
        await client.query('commit')
        reports.push({
          systemId: system.systemId,
          imports: imports.length,
          tripEndsMapped: tripEnds,
          flowBins,
        })
      } catch (error) {
        await client.query('rollback').catch(() => undefined)
        throw error
      } finally {
        await client.end().catch(() => undefined)
      }
    }
    return reports
  }

  return {
    async importFiles(request, onProgress) {
      if (request.paths.length === 0 && !request.stationsFile) {
        throw invalid('no_files', 'no trip files given')
      }
      const rejectLimit = parseRejectLimit(request.maxRejected)
      if (request.timeZone) await checkTimeZone(deps.db, request.timeZone)
      const { system, systemCreated, stationsLoaded } = await prepareSystem(request)
      const timeZone = request.timeZone ?? system.timezone
      // Stations just loaded may be the ones earlier imports could not match.
      const remapped = stationsLoaded ? ((await remapUnmatched(system.systemId))[0] ?? null) : null

      const outcomes: TripImportOutcome[] = []
      for (const path of request.paths) {
        try {
          const outcome = await importTripFile(path, {
            databaseUrl: deps.databaseUrl,
            systemId: system.systemId,
            timeZone,
            stationKey: request.stationKey ?? null,
            rejectLimit,
            onProgress,
            acceptUnmatched: request.acceptUnmatched ?? false,
          })
          if (outcome.status === 'imported') outcome.hint = importHint(outcome)
          deps.logger.debug({ file: path, outcome: outcome.status }, 'trip file done')
          outcomes.push(outcome)
        } catch (error) {
          if (!(error instanceof TripImportError)) {
            deps.logger.error({ err: error, file: path }, 'trip import failed')
          }
          outcomes.push({ status: 'failed', file: path, error: describeError(error) })
        }
      }
      return {
        systemId: system.systemId,
        timeZone,
        stationsLoaded,
        systemCreated,
        remapped,
        outcomes,
      }
    },
    remapUnmatched,
    quarantined: (systemId) => listQuarantined(deps.db, systemId),
    decide: (importId, decision, actor) =>
      decideQuarantine(deps.databaseUrl, importId, decision, actor),
  }
}
