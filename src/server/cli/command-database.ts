import { loadSettings } from '../config/settings.js'
import { openDatabase } from '../db/connect.js'
import type { Logger } from '../logger.js'
import type { CommandHelpers } from './trips.commands.js'

/** The flags of every command that opens the database: --database-url and --data-dir. */
export interface DatabaseFlags {
  databaseUrl?: string
  dataDir?: string
}

/** A command's database: the settings read as every command reads them, a pool of its own. */
export async function openCommandDatabase(
  flags: DatabaseFlags,
  helpers: CommandHelpers,
  logger: Logger,
  poolSize: number,
) {
  const settings = await loadSettings(helpers.overrides(flags))
  return openDatabase(settings, logger, { poolSize, applicationName: 'balancer cli' })
}

/** The flags both imports take (import-trips, import-status). */
export interface ImportFlags extends DatabaseFlags {
  system?: string
  stations?: string
  tz?: string
  maxRejected?: string
}

/** Those flags as the import services' requests name them. */
export function importRequestOf(flags: ImportFlags) {
  return {
    systemId: flags.system,
    stationsFile: flags.stations,
    timeZone: flags.tz,
    maxRejected: flags.maxRejected,
  }
}
