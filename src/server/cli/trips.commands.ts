import { InvalidArgumentError, type Command } from 'commander'
import { STATION_KEYS, type StationKey } from '../../shared/trips.js'
import type { SettingsOverrides } from '../config/settings.js'
import { createFlowsService } from '../flows/flows.service.js'
import { CLI_ACTOR } from '../auth/actor.js'
import type { Logger } from '../logger.js'
import {
  importRequestOf,
  openCommandDatabase,
  type DatabaseFlags,
  type ImportFlags,
} from './command-database.js'
import { createServiceLevelsService } from '../service-levels/service-levels.service.js'
import { createTripsService } from '../trips/trips.service.js'
import { formatServiceRefresh } from './service-output.js'
import {
  formatDecision,
  formatImportReport,
  formatQuarantined,
  formatRefreshReport,
  withProgressLine,
} from './trips-output.js'

/** What main.ts shares with command modules, so that every command reads settings alike. */
export interface CommandHelpers {
  withDatabaseOptions(command: Command): Command
  overrides(flags: DatabaseFlags): SettingsOverrides
}

interface TripImportFlags extends ImportFlags {
  matchBy?: StationKey
  acceptUnmatched?: boolean
}

function parseId(value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new InvalidArgumentError('must be an import id')
  return Number(value)
}

function parseStationKey(value: string): StationKey {
  if (!(STATION_KEYS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${STATION_KEYS.join(', ')}`)
  }
  return value as StationKey
}

/** A command's own services: no HTTP server, two pooled connections plus the import's own. */
async function openServices(flags: DatabaseFlags, helpers: CommandHelpers, logger: Logger) {
  const database = await openCommandDatabase(flags, helpers, logger, 2)
  const trips = createTripsService({ db: database.db, databaseUrl: database.url, logger })
  const flows = createFlowsService({ db: database.db, trips })
  return { database, trips, flows }
}

/** `import-trips` and `refresh`. */
export function addTripCommands(program: Command, logger: Logger, helpers: CommandHelpers): void {
  helpers
    .withDatabaseOptions(
      program
        .command('import-trips')
        .description(
          'import Lyft trip files (.csv, .csv.gz, .zip; Ford GoBike, Lyft or Motivate format), each in one transaction, and bring station_flows up to date',
        )
        .argument('[files...]', 'trip files (none: only load --stations)')
        .option('--system <id>', 'the system the trips belong to (default: the only one)')
        .option(
          '--tz <zone>',
          "IANA time zone of the files' local times (default: the system's, from its feed)",
        )
        .option(
          '--stations <file>',
          'load a GBFS station_information.json into the system first (creates the system)',
        )
        .option(
          '--match-by <column>',
          `match station ids against this column (${STATION_KEYS.join(', ')}; default: the one matching most)`,
          parseStationKey,
        )
        .option(
          '--max-rejected <rows|percent>',
          'bad rows a file may have before it is refused, e.g. 250 or 2% (default 1%, at least 10)',
        )
        .option(
          '--accept-unmatched',
          'add a file to flows even when its station ids match fewer than half its trip ends (else it is quarantined)',
        ),
    )
    .action(async (files: string[], flags: TripImportFlags) => {
      const { database, trips } = await openServices(flags, helpers, logger)
      try {
        const report = await withProgressLine(process.stderr, undefined, (onProgress) =>
          trips.importFiles(
            {
              paths: files,
              stationKey: flags.matchBy,
              acceptUnmatched: Boolean(flags.acceptUnmatched),
              ...importRequestOf(flags),
            },
            onProgress,
          ),
        )
        process.stdout.write(formatImportReport(report))
        const failed = report.outcomes.filter((outcome) => outcome.status === 'failed').length
        if (failed > 0) {
          throw new Error(`${failed} of ${report.outcomes.length} trip file(s) failed (see above)`)
        }
        const kept = report.outcomes.filter((outcome) => outcome.status === 'quarantined').length
        if (kept > 0) {
          throw new Error(
            `${kept} of ${report.outcomes.length} trip file(s) quarantined: not in flows or the demand model (see above)`,
          )
        }
      } finally {
        await database.close()
      }
    })

  const trips = program
    .command('trips')
    .description('trip imports kept apart (quarantined): list them, accept or discard one')
  helpers
    .withDatabaseOptions(
      trips
        .command('list')
        .description('quarantined trip imports, with what is wrong and what to do')
        .option('--system <id>', 'only this system (default: all)'),
    )
    .action(async (flags: DatabaseFlags & { system?: string }) => {
      const { database, trips } = await openServices(flags, helpers, logger)
      try {
        process.stdout.write(formatQuarantined(await trips.quarantined(flags.system)))
      } finally {
        await database.close()
      }
    })
  for (const [verb, decision, what] of [
    [
      'accept',
      'accepted',
      "add its trips to trips and station_flows (the engine's next fit sees them)",
    ],
    ['discard', 'discarded', 'delete its trips and record (the file can be imported again)'],
  ] as const) {
    helpers
      .withDatabaseOptions(
        trips
          .command(verb)
          .description(`${verb} a quarantined trip import: ${what}`)
          .argument('<import-id>', 'the import, as `trips list` and import-trips name it', parseId),
      )
      .action(async (importId: number, flags: DatabaseFlags) => {
        const { database, trips } = await openServices(flags, helpers, logger)
        try {
          process.stdout.write(formatDecision(await trips.decide(importId, decision, CLI_ACTOR)))
        } finally {
          await database.close()
        }
      })
  }

  helpers
    .withDatabaseOptions(
      program
        .command('refresh')
        .description(
          'map kept trips to stations that appeared since their import, refresh imbalance_scores, and bring the daily service levels up to date',
        )
        .option('--system <id>', 'only this system (default: all)')
        .option(
          '--rebuild-flows',
          'also recount station_flows from all trips (a repair; each import keeps it current)',
        )
        .option(
          '--rebuild-service',
          'recompute every day of service levels, not only the days new status can change',
        ),
    )
    .action(
      async (
        flags: DatabaseFlags & {
          system?: string
          rebuildFlows?: boolean
          rebuildService?: boolean
        },
      ) => {
        const { database, flows } = await openServices(flags, helpers, logger)
        try {
          const report = await flows.refresh({
            systemId: flags.system,
            rebuild: Boolean(flags.rebuildFlows),
          })
          process.stdout.write(formatRefreshReport(report))
          const levels = createServiceLevelsService({ db: database.db, logger })
          for (const { systemId } of report.remapped) {
            const refreshed = await levels.refresh({
              system: systemId,
              rebuild: Boolean(flags.rebuildService),
            })
            process.stdout.write(formatServiceRefresh(refreshed))
          }
        } finally {
          await database.close()
        }
      },
    )
}
