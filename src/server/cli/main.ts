import { Command, InvalidArgumentError, Option } from 'commander'
import { APP_NAME, APP_VERSION } from '../../shared/version.js'
import { CONSOLE_PATH } from '../http/console.routes.js'
import { loadSettings, type SettingsOverrides } from '../config/settings.js'
import { openDatabase } from '../db/connect.js'
import { describeError } from '../errors.js'
import { createLogger, type Logger } from '../logger.js'
import { startServer } from '../runtime.js'
import {
  demoHistory,
  feedServerCommand,
  parseFeedUrl,
  parseSpeed,
  pollOnce,
  startReplayFeed,
} from './gbfs-commands.js'
import { signInLinkText } from '../auth/sign-in-link.js'
import { DEMO_TOKEN_NAME, demoDispatcherToken, demoTrips, seedDemo } from './demo.js'
import { generateTypes } from './generate-types.js'
import { onShutdown } from './shutdown.js'
import { tokenCommand } from './token.js'
import { addEngineCommands } from './engine.commands.js'
import { addServiceCommands } from './service.commands.js'
import { addStatusCommands } from './status.commands.js'
import { addTripCommands } from './trips.commands.js'
import { addUpkeepCommands } from './upkeep.commands.js'
import { addBackupCommands } from './backup.commands.js'
import { addCrewCommands } from './crew.commands.js'
import { addTileCommands, TILE_URL_HELP } from './tiles.commands.js'
import { DEFAULT_TILE_CACHE_MB } from '../tiles/tiles.service.js'

/** A mistake a person can fix: printed as one line, without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError'
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535')
  }
  return port
}

interface DatabaseFlags {
  databaseUrl?: string
  dataDir?: string
}

// Environment variables are read by loadSettings, the one place that ranks flags, environment,
// settings file and defaults; the help only names them.
function withDatabaseOptions(command: Command): Command {
  return command
    .option(
      '--database-url <url>',
      'a configured PostgreSQL, else the embedded one (env DATABASE_URL)',
    )
    .option('--data-dir <dir>', 'settings and the embedded database (env BALANCER_DATA_DIR)')
}

interface FeedFlags {
  feed?: string[]
  system?: string
  /** commander's --no-poll: false when given. */
  poll?: boolean
}

interface ServeFlags {
  host?: string
  port?: number
  tls?: 'auto' | 'off'
  tlsCert?: string
  tlsKey?: string
  tlsPort?: number
  publicUrl?: string
  tileUrl?: string
}

function overrides(flags: DatabaseFlags & FeedFlags & ServeFlags): SettingsOverrides {
  return {
    tls: flags.tls,
    tlsCert: flags.tlsCert,
    tlsKey: flags.tlsKey,
    tlsPort: flags.tlsPort,
    publicUrl: flags.publicUrl,
    databaseUrl: flags.databaseUrl,
    dataDir: flags.dataDir,
    host: flags.host,
    port: flags.port,
    feeds: flags.feed?.map((url) => ({ url, ...(flags.system ? { systemId: flags.system } : {}) })),
    poll: flags.poll === false ? false : undefined,
    tiles: flags.tileUrl ? { url: flags.tileUrl, cacheMB: DEFAULT_TILE_CACHE_MB } : undefined,
  }
}

export function buildProgram(logger: Logger): Command {
  const program = new Command('balancer')
    .description(`${APP_NAME}: dispatch server, database and tools`)
    .version(APP_VERSION)
    .showHelpAfterError()

  withDatabaseOptions(
    program
      .command('serve')
      .description('start the dispatch API (headless: the server the desktop app starts)')
      .option('--host <host>', 'address to listen on (env BALANCER_HOST)')
      .option(
        '--port <port>',
        'port to listen on, 0 for any free port (env BALANCER_PORT)',
        parsePort,
      )
      .option('--feed <url>', 'a GBFS feed to poll, repeatable (env GBFS_URL)', parseFeedUrl)
      .option('--no-poll', 'never poll feeds or run the scheduled jobs on this console')
      .addOption(
        new Option(
          '--tls <mode>',
          'HTTPS for crews beside plain HTTP: auto makes a certificate',
        ).choices(['auto', 'off']),
      )
      .option('--tls-cert <file>', "the depot's own certificate (PEM), with --tls-key")
      .option('--tls-key <file>', "the depot's own private key (PEM), with --tls-cert")
      .option('--tls-port <port>', 'HTTPS port (default 8443)', parsePort)
      .option('--public-url <url>', 'the address phones are given, e.g. https://depot.vpn:8443')
      .option('--tile-url <template>', TILE_URL_HELP)
      .option(
        '--demo [history]',
        'replay a recorded week of Bay Wheels status as a live feed and poll it',
      )
      .option('--speed <n>', 'with --demo: times faster than real time', parseSpeed, 60),
  ).action(
    async (
      flags: DatabaseFlags & FeedFlags & ServeFlags & { demo?: string | boolean; speed: number },
    ) => {
      const demo = flags.demo
        ? await startReplayFeed({
            history: demoHistory(flags.demo),
            speed: flags.speed,
          })
        : null
      try {
        const given = overrides(demo ? { ...flags, feed: [demo.server.url] } : flags)
        // The demo is for watching the poller: it polls whatever the settings say.
        if (demo) given.poll = true
        const settings = await loadSettings(given)
        const server = await startServer(settings, logger)
        if (demo) {
          process.stdout.write(`Demo feed at ${demo.server.url} (${flags.speed}x)\n`)
          // A demo is for trying the console at once: a dispatcher token to sign in with, made
          // for this run (shown once, like every token); the previous demo's is revoked.
          const token = await demoDispatcherToken(server.services.auth)
          process.stdout.write(
            `Console at ${server.url}${CONSOLE_PATH}\nDispatcher token (${DEMO_TOKEN_NAME}): ${token}\n`,
          )
        }
        process.stdout.write(`Balancer listening on ${server.url}\n`)
        // No dispatcher yet (a new depot, a first `npm start`): one click to the console.
        // A database that goes away just now (a restart) costs the link, never the server.
        const code = demo
          ? null
          : await server.services.signIn.issue().catch((error: unknown) => {
              logger.warn(
                { err: describeError(error) },
                'no sign-in link this time: the database did not answer (restart serve for one)',
              )
              return null
            })
        if (code) process.stdout.write(signInLinkText(server.url, code))
        if (server.httpsUrl && server.tls) {
          process.stdout.write(
            `HTTPS for crews on ${server.httpsUrl} (certificate SHA-256 ${server.tls.fingerprint})\n`,
          )
        }
        const crew = (await server.services.status.getAppStatus()).crew
        if (crew?.warning) process.stdout.write(`Warning: ${crew.warning}\n`)
        // The default demo also imports its trip month, so flows and suggestions have data; a
        // history given on the command line is someone's own, and gets no trips it did not ask for.
        const seeding = new AbortController()
        const trips = demo && flags.demo === true ? demoTrips() : null
        const seeded = trips
          ? seedDemo(server.services, trips, (line) => process.stdout.write(`${line}\n`), {
              signal: seeding.signal,
              history: demoHistory(true),
            })
          : Promise.resolve()
        await new Promise<void>((resolve) => {
          onShutdown(logger, async () => {
            seeding.abort()
            await seeded
            await server.close()
            await demo?.server.close()
            resolve()
          })
        })
      } catch (error) {
        await demo?.server.close()
        throw error
      }
    },
  )

  withDatabaseOptions(
    program
      .command('poll-once')
      .description('poll the feeds once: fetch, validate, write, and print what happened')
      .option(
        '--feed <url>',
        'a gbfs.json or station_information.json URL, repeatable (default: the configured feeds)',
        parseFeedUrl,
      )
      .option('--system <id>', 'keep the stations under this system id (one --feed only)')
      .option('--json', 'print the result as JSON'),
  ).action(async (flags: DatabaseFlags & FeedFlags & { json?: boolean }) => {
    if (flags.system && flags.feed?.length !== 1) {
      throw new UsageError('--system needs exactly one --feed')
    }
    const settings = await loadSettings(overrides(flags))
    const results = await pollOnce(settings, logger, { json: Boolean(flags.json) })
    const failed = results.filter((result) => result.outcome === 'error')
    if (failed.length > 0) {
      throw new UsageError(
        failed.map((result) => `${result.url}: ${result.error ?? 'failed'}`).join('\n'),
      )
    }
  })

  feedServerCommand(program, parsePort, logger)

  withDatabaseOptions(
    program.command('migrate').description('apply pending database migrations and exit'),
  ).action(async (flags: DatabaseFlags) => {
    const settings = await loadSettings(overrides(flags))
    const database = await openDatabase(settings, logger, { poolSize: 2 })
    try {
      const { applied } = database
      process.stdout.write(
        applied.length === 0
          ? `Database ${database.location} (${database.mode}) is up to date.\n`
          : `Applied ${applied.length} migration(s) to ${database.location} (${database.mode}): ${applied.join(', ')}\n`,
      )
    } finally {
      await database.close()
    }
  })

  withDatabaseOptions(
    program
      .command('generate-types')
      .description(
        'development: regenerate the committed row types from a freshly migrated database',
      )
      .option('--out <file>', 'where the types go', 'src/server/db/schema.ts')
      .option('--check', 'fail if the committed file differs instead of writing it'),
  ).action(async (flags: DatabaseFlags & { out: string; check?: boolean }) => {
    const settings = await loadSettings(overrides(flags))
    const result = await generateTypes(settings, logger, {
      outFile: flags.out,
      check: Boolean(flags.check),
    })
    process.stdout.write(`${result}\n`)
  })

  program.addCommand(
    tokenCommand(logger, (flags) => loadSettings(overrides(flags)), withDatabaseOptions),
  )
  addTripCommands(program, logger, { withDatabaseOptions, overrides })
  addStatusCommands(program, logger, { withDatabaseOptions, overrides })
  addEngineCommands(program, logger, { withDatabaseOptions, overrides })
  addServiceCommands(program, logger, { withDatabaseOptions, overrides })
  addUpkeepCommands(program, logger, { withDatabaseOptions, overrides })
  addBackupCommands(program, logger, { withDatabaseOptions, overrides })
  addCrewCommands(program, logger, { withDatabaseOptions, overrides })
  addTileCommands(program, { withDatabaseOptions, overrides })

  return program
}

export async function main(argv: string[]): Promise<number> {
  const logger = createLogger()
  const program = buildProgram(logger).exitOverride()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (error) {
    const commanderCode = (error as { code?: string }).code
    if (commanderCode?.startsWith('commander.')) {
      // Help and version exit 0; usage errors were already printed by commander.
      return (error as { exitCode?: number }).exitCode ?? 1
    }
    process.stderr.write(`balancer: ${describeError(error)}\n`)
    logger.debug({ err: error }, 'command failed')
    return 1
  } finally {
    // The log's destination writes asynchronously too: what it holds goes out before the exit.
    await new Promise<void>((resolve) => logger.flush(() => resolve()))
  }
}
