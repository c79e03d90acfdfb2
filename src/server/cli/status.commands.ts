import type { Command } from 'commander'
import type { Logger } from '../logger.js'
import { createServiceLevelsService } from '../service-levels/service-levels.service.js'
import { createStatusImportService } from '../service-levels/status-import.js'
import { STATUS_PHASES, formatStatusImport } from './status-output.js'
import type { CommandHelpers } from './trips.commands.js'
import { importRequestOf, openCommandDatabase, type ImportFlags } from './command-database.js'
import { withProgressLine } from './trips-output.js'

interface ImportStatusFlags extends ImportFlags {
  json?: boolean
}

/** `import-status`: a recorded station_status history, loaded as if it had been polled. */
export function addStatusCommands(program: Command, logger: Logger, helpers: CommandHelpers): void {
  helpers
    .withDatabaseOptions(
      program
        .command('import-status')
        .description(
          'import a recorded station_status history (.csv or .csv.gz, as in ../shared/data/status-history) in one transaction: changed rows, snapshots and absences',
        )
        .argument(
          '<file>',
          'the history: poll_time,station_id,last_reported,num_bikes_available,...',
        )
        .option(
          '--system <id>',
          'the system it belongs to (default: system_information.json beside the file, else the only one, else lyft_bay)',
        )
        .option(
          '--stations <file>',
          'a GBFS station_information.json to load first (default: the station_information*.json beside the file)',
        )
        .option(
          '--tz <zone>',
          'IANA time zone of a system this import creates (default America/Los_Angeles; the file is UTC)',
        )
        .option(
          '--max-rejected <rows|percent>',
          'bad rows the file may have before it is refused, e.g. 250 or 2% (default 1%, at least 10)',
        )
        .option('--json', 'print the report as JSON'),
    )
    .action(async (file: string, flags: ImportStatusFlags) => {
      const database = await openCommandDatabase(flags, helpers, logger, 4)
      const levels = createServiceLevelsService({ db: database.db, logger })
      const statusImport = createStatusImportService({
        db: database.db,
        databaseUrl: database.url,
        logger,
        refreshDays: (system, from, to) => levels.refresh({ system, from, to, rebuild: true }),
      })
      try {
        const report = await withProgressLine(process.stderr, STATUS_PHASES, (onProgress) =>
          statusImport.importFile({ path: file, ...importRequestOf(flags) }, onProgress),
        )
        process.stdout.write(
          flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatusImport(report),
        )
      } finally {
        await database.close()
      }
    })
}
