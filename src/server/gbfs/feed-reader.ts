import { createHash } from 'node:crypto'
import {
  feedKind,
  parseDiscovery,
  siblingUrls,
  type DataFile,
  type Discovery,
  type FeedConfig,
  type FeedUrls,
} from './discovery.js'
import { FeedError } from './feed-error.js'
import type { FetchFile, Validators } from './fetch.js'
import {
  normaliseStationInformation,
  normaliseStationStatus,
  normaliseSystemInformation,
  normaliseSystemRegions,
  normaliseVehicleTypes,
  readHeader,
} from './normalise.js'
import { parseGbfsJson, type GbfsDocument } from './parse.js'
import type {
  FeedWarning,
  FileHeader,
  StationInfo,
  RegionInfo,
  StationState,
  SystemInfo,
  VehicleTypes,
} from './types.js'
import { validateDocument } from './validate.js'
import { WarningCollector } from './warnings.js'

/** One poll's reading of a feed, checked and normalised, ready to be written. */
export interface Snapshot {
  /** The version the feed declares (station_status's, else discovery's); null for 1.0/legacy. */
  version: string | null
  system: SystemInfo | null
  /** Whether system_information differs from the last one written by this reader. */
  systemChanged: boolean
  /** system_regions' names of the stations' region ids; null when the feed has none. */
  regions: RegionInfo[] | null
  /** Whether system_regions differs from the last one written by this reader. */
  regionsChanged: boolean
  /** Null when the feed publishes no station_information. */
  stations: StationInfo[] | null
  /** Whether station_information differs from the last one written by this reader. */
  stationsChanged: boolean
  /** Null when the feed publishes no station_status. Only stations the feed also describes. */
  statuses: StationState[] | null
  statusesChanged: boolean
  /** Statuses for stations station_information does not list: not written. */
  unknownStatuses: number
  /** station_status's last_updated and ttl (station_information's when there is no status). */
  lastUpdated: Date | null
  ttl: number | null
  /** station_status's HTTP status (200, 304), for the poll log. */
  httpStatus: number | null
  warnings: FeedWarning[]
}

export interface ReadOutcome {
  snapshot: Snapshot
  /**
   * Keeps this reading as the base of the next poll's conditional requests. Called only once the
   * snapshot is written: a failed write must not leave a 304 hiding data that never arrived.
   */
  commit: () => void
}

interface CachedFile<T> {
  url: string
  validators: Validators | null
  hash: string
  header: FileHeader
  value: T
  warnings: FeedWarning[]
}

type Values = {
  system_information: SystemInfo
  station_information: StationInfo[]
  station_status: StationState[]
  vehicle_types: VehicleTypes
  system_regions: RegionInfo[]
}

type Cache = { [F in DataFile]?: CachedFile<Values[F]> }

const REQUIRED: readonly DataFile[] = ['station_information', 'station_status']

function hashText(text: string): string {
  return createHash('sha1').update(text).digest('base64')
}

interface Fetched {
  text: string | null
  status: number
  validators: Validators | null
}

/**
 * Reads a feed poll after poll, remembering what each file was (its validators, a hash of its
 * bytes, its normalised value and warnings), so that an unchanged file costs a 304 and nothing
 * else, and only changed station information is written again.
 */
export class FeedReader {
  private committed: Cache = {}
  private discovery: { value: Discovery; validators: Validators | null; hash: string } | null = null
  private appliedSystemHash: string | null = null
  private appliedRegionsHash: string | null = null
  private appliedStationsHash: string | null = null
  private appliedStatusHash: string | null = null

  constructor(
    readonly config: FeedConfig,
    private readonly fetchFile: FetchFile,
  ) {}

  private async discover(
    signal: AbortSignal,
    warnings: WarningCollector,
  ): Promise<{ urls: FeedUrls; version: string | null; direct: boolean }> {
    if (feedKind(this.config.url) === 'direct') {
      return { urls: siblingUrls(this.config.url), version: null, direct: true }
    }
    try {
      const cached = this.discovery
      const result = await this.fetchFile(
        'gbfs',
        this.config.url,
        cached?.validators ?? null,
        signal,
      )
      if (result.kind === 'not_modified' && cached) {
        return { urls: cached.value.urls, version: cached.value.version, direct: false }
      }
      if (result.kind === 'not_modified') {
        throw new FeedError('gbfs', 'the server answered 304 to a request that had no validators')
      }
      const hash = hashText(result.text)
      if (cached && cached.hash === hash) {
        this.discovery = { ...cached, validators: result.validators }
        return { urls: cached.value.urls, version: cached.value.version, direct: false }
      }
      const discoveryWarnings = new WarningCollector()
      const document = parseGbfsJson('gbfs', result.text, discoveryWarnings)
      const value = parseDiscovery(document, this.config.url)
      validateDocument('gbfs', value.version, document, discoveryWarnings)
      warnings.addAll(discoveryWarnings.list())
      this.discovery = { value, validators: result.validators, hash }
      return { urls: value.urls, version: value.version, direct: false }
    } catch (error) {
      if (signal.aborted || !this.discovery || !(error instanceof FeedError)) throw error
      // The feed list rarely changes; the data files may still answer without it.
      warnings.add(
        'gbfs',
        'discovery_failed',
        `gbfs.json failed (${error.message}); used the feed list read before`,
      )
      return {
        urls: this.discovery.value.urls,
        version: this.discovery.value.version,
        direct: false,
      }
    }
  }

  private async fetchOne(file: DataFile, url: string, signal: AbortSignal): Promise<Fetched> {
    const cached = this.committed[file]
    const validators = cached?.url === url ? cached.validators : null
    const result = await this.fetchFile(file, url, validators, signal)
    if (result.kind === 'not_modified') {
      if (!cached || cached.url !== url) {
        throw new FeedError(file, 'the server answered 304 to a request that had no validators')
      }
      return { text: null, status: 304, validators: cached.validators }
    }
    return { text: result.text, status: result.status, validators: result.validators }
  }

  async read(signal: AbortSignal, polledAt: Date): Promise<ReadOutcome> {
    const warnings = new WarningCollector()
    const { urls, version: discoveryVersion, direct } = await this.discover(signal, warnings)
    if (!urls.station_information && !urls.station_status) {
      throw new FeedError('gbfs', 'lists neither station_information nor station_status')
    }
    const files = (Object.keys(urls) as DataFile[]).filter((file) => urls[file] !== undefined)
    const configured = direct ? (new URL(this.config.url).pathname.split('/').at(-1) ?? '') : ''
    const required = (file: DataFile) =>
      direct ? configured.replace(/\.json$/i, '') === file : REQUIRED.includes(file)

    const fetched = await Promise.all(
      files.map(async (file): Promise<[DataFile, Fetched | FeedError]> => {
        try {
          return [file, await this.fetchOne(file, urls[file] as string, signal)]
        } catch (error) {
          if (signal.aborted || !(error instanceof FeedError) || required(file)) throw error
          return [file, error]
        }
      }),
    )
    const answers = new Map(fetched)
    const pending: Cache = {}

    const take = <F extends DataFile>(
      file: F,
      read: (
        document: GbfsDocument,
        header: FileHeader,
        fileWarnings: WarningCollector,
      ) => Values[F],
    ): CachedFile<Values[F]> | null => {
      const answer = answers.get(file)
      const cached = this.committed[file]
      const url = urls[file] as string
      // An optional file that fails is a warning and the copy read before, if any, stands in.
      const failed = (error: FeedError): CachedFile<Values[F]> | null => {
        if (required(file)) throw error
        // A guessed sibling that does not exist is simply not part of this feed.
        if (direct && error.httpStatus === 404 && !REQUIRED.includes(file)) return null
        warnings.add(
          file,
          'optional_file_failed',
          cached ? `${error.message}; used the copy read before` : error.message,
        )
        if (cached) warnings.addAll(cached.warnings)
        return cached ?? null
      }
      if (answer === undefined) return null
      if (answer instanceof FeedError) return failed(answer)
      if (
        answer.text === null ||
        (cached && cached.url === url && cached.hash === hashText(answer.text))
      ) {
        const same = cached as CachedFile<Values[F]>
        const entry = { ...same, validators: answer.validators }
        pending[file] = entry as Cache[F]
        warnings.addAll(same.warnings)
        return entry
      }
      const fileWarnings = new WarningCollector()
      let entry: CachedFile<Values[F]>
      try {
        const document = parseGbfsJson(file, answer.text, fileWarnings)
        const header = readHeader(file, document, fileWarnings)
        validateDocument(file, header.version ?? discoveryVersion, document, fileWarnings)
        entry = {
          url,
          validators: answer.validators,
          hash: hashText(answer.text),
          header,
          value: read(document, header, fileWarnings),
          warnings: fileWarnings.list(),
        }
      } catch (error) {
        if (error instanceof FeedError) return failed(error)
        throw error
      }
      pending[file] = entry as Cache[F]
      warnings.addAll(entry.warnings)
      return entry
    }

    const system = take('system_information', (document) => normaliseSystemInformation(document))
    const language = system?.value.language ?? null
    const vehicleTypes = take('vehicle_types', (document) => normaliseVehicleTypes(document))
    const regions = take('system_regions', (document) => normaliseSystemRegions(document, language))
    const information = take('station_information', (document, _header, fileWarnings) =>
      normaliseStationInformation(document, language, fileWarnings),
    )
    const status = take('station_status', (document, header, fileWarnings) =>
      normaliseStationStatus(
        document,
        { vehicleTypes: vehicleTypes?.value ?? null, lastUpdated: header.lastUpdated, polledAt },
        fileWarnings,
      ),
    )

    const stations = information?.value ?? null
    let statuses = status?.value ?? null
    let unknownStatuses = 0
    if (stations && statuses) {
      const byId = new Map(stations.map((station) => [station.stationId, station]))
      const known: StationState[] = []
      for (const state of statuses) {
        const station = byId.get(state.stationId)
        if (!station) {
          unknownStatuses += 1
          warnings.add(
            'station_status',
            'status_unknown_station',
            'a status for a station station_information does not list was not written',
            state.stationId,
          )
          continue
        }
        known.push(state)
        if (station.capacity !== null && state.bikes + state.docks > station.capacity) {
          warnings.add(
            'station_status',
            'over_capacity',
            'bikes + docks available exceed the capacity station_information gives',
            `${state.stationId}: ${state.bikes}+${state.docks}>${station.capacity}`,
          )
        }
      }
      statuses = known
    }
    if (stations && stations.length === 0) {
      warnings.add(
        'station_information',
        'empty_station_list',
        'station_information lists no stations: the stations already known were kept active',
      )
    }
    const clock = status?.header ?? information?.header ?? null
    if (clock?.lastUpdated && clock.lastUpdated.getTime() > polledAt.getTime() + 5 * 60_000) {
      warnings.add(
        status ? 'station_status' : 'station_information',
        'future_last_updated',
        "last_updated is more than 5 minutes ahead of this computer's clock: one of the two is wrong",
        clock.lastUpdated.toISOString(),
      )
    }

    const snapshot: Snapshot = {
      version: status?.header.version ?? information?.header.version ?? discoveryVersion,
      system: system?.value ?? null,
      systemChanged: system !== null && system.hash !== this.appliedSystemHash,
      regions: regions?.value ?? null,
      regionsChanged: regions !== null && regions.hash !== this.appliedRegionsHash,
      stations,
      stationsChanged: information !== null && information.hash !== this.appliedStationsHash,
      statuses,
      statusesChanged: status !== null && status.hash !== this.appliedStatusHash,
      unknownStatuses,
      lastUpdated: clock?.lastUpdated ?? null,
      ttl: clock?.ttl ?? null,
      httpStatus:
        answers.get('station_status') instanceof FeedError
          ? null
          : ((answers.get('station_status') as Fetched | undefined)?.status ?? null),
      warnings: warnings.list(),
    }
    return {
      snapshot,
      commit: () => {
        this.committed = { ...this.committed, ...pending }
        if (system) this.appliedSystemHash = system.hash
        if (regions) this.appliedRegionsHash = regions.hash
        if (information) this.appliedStationsHash = information.hash
        if (status) this.appliedStatusHash = status.hash
      },
    }
  }
}
