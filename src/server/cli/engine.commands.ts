import { InvalidArgumentError, type Command } from 'commander'
import { createEngineService } from '../engine/engine.service.js'
import { evaluate, type EvaluateOptions } from '../engine/simulation/evaluate.js'
import { createDispatchService } from '../dispatch/dispatch.service.js'
import type { Logger } from '../logger.js'
import { formatEvaluateReport, formatRunSummary } from './engine-output.js'
import type { CommandHelpers } from './trips.commands.js'
import { openCommandDatabase, type DatabaseFlags } from './command-database.js'

function positiveInt(label: string, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${label} must be a whole number from 1 to ${max}`)
    }
    return n
  }
}

function positiveNumber(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0')
  return n
}

function localDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('must be a local date YYYY-MM-DD')
  }
  return value
}

/** `suggest` and `evaluate`. */
export function addEngineCommands(program: Command, logger: Logger, helpers: CommandHelpers): void {
  helpers
    .withDatabaseOptions(
      program
        .command('suggest')
        .description(
          "run the suggestion engine once: fit the demand model if it is out of date, suggest moves, supersede the engine's previous open suggestions",
        )
        .option('--system <id>', 'the system (default: the only one)')
        .option(
          '--seed-heuristic',
          "suggest with the previous system's rules instead (source seed_heuristic)",
        )
        .option(
          '--crews <n>',
          'crews to plan for (default: crews seen in the last 12 hours, at least 3)',
          positiveInt('--crews', 200),
        )
        .option(
          '--van-capacity <n>',
          'bikes a van carries (default 20)',
          positiveInt('--van-capacity', 200),
        )
        .option('--json', 'print the run summary as JSON'),
    )
    .action(
      async (
        flags: DatabaseFlags & {
          system?: string
          seedHeuristic?: boolean
          crews?: number
          vanCapacity?: number
          json?: boolean
        },
      ) => {
        const database = await openCommandDatabase(flags, helpers, logger, 3)
        try {
          const dispatch = createDispatchService(database.db, { leaseMs: 60 * 60_000 })
          const engine = createEngineService({
            db: database.db,
            databaseUrl: database.url,
            dispatch,
            logger,
          })
          const summary = await engine.run(
            {
              system_id: flags.system,
              policy: flags.seedHeuristic ? 'seed_heuristic' : 'engine',
              crews: flags.crews,
              van_capacity: flags.vanCapacity,
            },
            { trigger: 'cli' },
          )
          process.stdout.write(
            flags.json ? `${JSON.stringify(summary)}\n` : formatRunSummary(summary),
          )
        } finally {
          await database.close()
        }
      },
    )

  helpers
    .withDatabaseOptions(
      program
        .command('evaluate')
        .description(
          'simulate service days (06:00-22:00) on the imported trips with no rebalancing, the seed heuristic and the engine, and print failed rentals and returns',
        )
        .option('--system <id>', 'the system (default: the only one)')
        .option('--day <date>', 'simulate this local date only (after the fitted days)', localDate)
        .option(
          '--days <n>',
          'simulate this many held-out days, drawn at random (default: all)',
          positiveInt('--days', 366),
        )
        .option(
          '--fit-days <n>',
          'fit on this many first days of the trips (default 21)',
          positiveInt('--fit-days', 3650),
        )
        .option(
          '--until <date>',
          'simulate held-out days up to this local date only (with --fit-days: a validation split inside the fitted period)',
          localDate,
        )
        .option('--crews <n>', 'vans on the road (default 3)', positiveInt('--crews', 200))
        .option(
          '--van-capacity <n>',
          'bikes a van carries (default 20)',
          positiveInt('--van-capacity', 200),
        )
        .option('--seeds <n>', 'random seeds per day (default 5)', positiveInt('--seeds', 1000))
        .option('--speed <kmh>', 'van speed over road distance, km/h (default 20)', positiveNumber)
        .option(
          '--handling <minutes>',
          'minutes per bike loaded, and again unloaded (default 0.5)',
          positiveNumber,
        )
        .option('--start-status <file>', 'start each day from this GBFS station_status.json')
        .option(
          '--json',
          'print one JSON object {"policies": {"none", "seed", "ours", "runs"}, ...}',
        ),
    )
    .action(
      async (
        flags: DatabaseFlags &
          Pick<
            EvaluateOptions,
            'day' | 'days' | 'fitDays' | 'until' | 'crews' | 'vanCapacity' | 'seeds'
          > & {
            system?: string
            speed?: number
            handling?: number
            startStatus?: string
            json?: boolean
          },
      ) => {
        const database = await openCommandDatabase(flags, helpers, logger, 3)
        try {
          const report = await evaluate(
            database.db,
            {
              systemId: flags.system,
              day: flags.day,
              days: flags.days,
              fitDays: flags.fitDays,
              until: flags.until,
              crews: flags.crews,
              vanCapacity: flags.vanCapacity,
              seeds: flags.seeds,
              speedKmh: flags.speed,
              handlingMinutes: flags.handling,
              startStatusFile: flags.startStatus,
            },
            (line) => process.stderr.write(`${line}\n`),
          )
          process.stdout.write(
            flags.json ? `${JSON.stringify(report)}\n` : formatEvaluateReport(report),
          )
        } finally {
          await database.close()
        }
      },
    )
}
