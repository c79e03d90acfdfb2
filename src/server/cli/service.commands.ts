import { InvalidArgumentError, type Command } from 'commander'
import type { Logger } from '../logger.js'
import { createServiceLevelsService } from '../service-levels/service-levels.service.js'
import { formatServiceReport } from './service-output.js'
import type { CommandHelpers } from './trips.commands.js'
import { openCommandDatabase, type DatabaseFlags } from './command-database.js'

function localDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new InvalidArgumentError('must be a local date YYYY-MM-DD')
  }
  return value
}

/** `report`: one day's service levels. */
export function addServiceCommands(
  program: Command,
  logger: Logger,
  helpers: CommandHelpers,
): void {
  helpers
    .withDatabaseOptions(
      program
        .command('report')
        .description(
          "one day's service levels (06:00-22:00 on the system's clock): minutes empty, full and unknown per station, cluster outages, tasks and crews",
        )
        .requiredOption('--day <date>', 'the local day, YYYY-MM-DD', localDate)
        .option('--system <id>', 'the system (default: the only one)')
        .option(
          '--json',
          'print one object: {"day", "stations": [{"station_id", "minutes_empty", "minutes_full", "minutes_unknown", ...}], "cluster_outage_minutes", ...}',
        ),
    )
    .action(async (flags: DatabaseFlags & { day: string; system?: string; json?: boolean }) => {
      const database = await openCommandDatabase(flags, helpers, logger, 4)
      try {
        const levels = createServiceLevelsService({ db: database.db, logger })
        const report = await levels.report({ day: flags.day, system: flags.system })
        if (report.summary.snapshots === 0 && report.stations.length === 0) {
          const had = report.data
            ? `; it has ${report.data.first_day} to ${report.data.last_day}`
            : ': poll a feed, or import a recorded history with balancer import-status'
          throw new Error(`system ${report.system_id} has no status history on ${report.day}${had}`)
        }
        process.stdout.write(
          flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatServiceReport(report),
        )
      } finally {
        await database.close()
      }
    })
}
