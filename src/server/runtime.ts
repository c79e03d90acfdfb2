import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { networkInterfaces } from 'node:os'
import type { CrewAccess } from '../shared/crew-access.js'
import { runningSettings } from './config/setting-sources.js'
import type { Settings } from './config/settings.js'
import { openDatabase, type OpenDatabase } from './db/connect.js'
import { ensureFeed } from './gbfs/gbfs.repository.js'
import { engineJob } from './engine/engine.job.js'
import { pollingJob } from './gbfs/polling-job.js'
import { HUB_CHANNELS } from './events/events.routes.js'
import { createNotifyHub, type NotifyHub } from './events/notify-hub.js'
import { chooseCrewAddress, lanAddresses } from './crew-access/crew-address.js'
import { forgetRevokedDevices } from './crew-access/device-events.js'
import { resolveTls, type TlsMaterial } from './crew-access/tls.js'
import { createApp, DEFAULT_RATE_LIMITS } from './http/app.js'
import { createDrainableServer } from './http/connection-drain.js'
import { defaultConsoleDir } from './http/console.routes.js'
import { defaultCrewDir } from './http/crew.routes.js'
import { defaultIdentity, JOBS_LOCK, startLeadership, type Leader } from './jobs/leader.js'
import type { Logger } from './logger.js'
import { createServices, type Services } from './services.js'
import { serviceLevelsJob } from './service-levels/service-levels.job.js'
import { upkeepJob } from './upkeep/upkeep.job.js'
import { dailyBackupJob } from './backup/backups.js'

/** A running dispatch server: the same thing `balancer serve` and the Electron main start. */
export interface ServerHandle {
  url: string
  /** The HTTPS server's address when TLS is on (`--tls auto` or the depot's certificate). */
  httpsUrl: string | null
  /** The certificate it serves: its SHA-256 fingerprint is what the System page shows. */
  tls: TlsMaterial | null
  services: Services
  database: OpenDatabase
  /** Changes announced on the shared database (LISTEN/NOTIFY), for the window and browsers. */
  events: NotifyHub
  /**
   * Stops taking requests (new connections refused, requests on kept-alive ones answered 503
   * with `Connection: close`), lets the ones in flight finish, closes the pool, and stops the
   * embedded PostgreSQL last.
   */
  close(): Promise<void>
}

/** How long requests in flight may take to finish on shutdown before their sockets are cut. */
export const DRAIN_MS = 5_000

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    })
  })
}

function formatUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`
}

/** A listening error in words: a port in use is the usual one. */
function listenError(error: unknown, port: number, host: string, flag: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new Error(`port ${port} on ${host} is in use; choose another with ${flag}`, {
      cause: error,
    })
  }
  return error
}

export async function startServer(
  settings: Settings,
  logger: Logger,
  /** Where the built console is (default: beside this bundle; the benchmarks' bundle is elsewhere). */
  options: { consoleDir?: string; crewDir?: string; logDir?: string | null } = {},
): Promise<ServerHandle> {
  // A long-running server restarts its embedded PostgreSQL if it dies (commands do not).
  // Before the database: a bad --tls-cert stops the start at once, with nothing to undo.
  const tls = await resolveTls(settings, lanAddresses(networkInterfaces()))
  if (tls) {
    logger.info(
      { origin: tls.origin, fingerprint256: tls.fingerprint, validTo: tls.validTo.toISOString() },
      'TLS certificate ready',
    )
  }
  const database = await openDatabase(settings, logger, { supervise: true })
  let url: string | null = null
  let crewAccess: (() => CrewAccess) | null = null
  let listening: { http: number; https: number | null } | null = null
  const feeds = settings.feeds ?? []
  const identity = defaultIdentity()
  let leader: Leader | null = null
  const { services, metrics } = createServices({
    db: database.db,
    pool: database.pool,
    mode: database.mode,
    location: database.location,
    apiUrl: () => url,
    logDir: options.logDir,
    leaseMinutes: settings.leaseMinutes,
    feeds: {
      urls: () => feeds.map((feed) => feed.url),
      isLeader: () => leader?.isLeader() ?? false,
    },
    databaseUrl: database.url,
    logger,
    settings: {
      dataDir: settings.dataDir,
      runningDatabase: { mode: database.mode, url: database.url },
    },
    databaseProblem: database.problem,
    crewAccess: () => crewAccess?.() ?? null,
    tiles: settings.tiles,
    running: () =>
      runningSettings(settings, {
        port: listening?.http ?? null,
        databaseLocation:
          database.mode === 'embedded' ? 'the embedded PostgreSQL' : database.location,
        crew: crewAccess?.() ?? null,
      }),
  })
  const events = createNotifyHub({ url: database.url, channels: HUB_CHANNELS, logger })
  // A device revoked on another console sharing the database is signed out here too, at once.
  forgetRevokedDevices(events, services.auth)
  const app = createApp({
    services,
    logger,
    metrics,
    events,
    consoleDir: options.consoleDir ?? defaultConsoleDir(),
    crewDir: options.crewDir ?? defaultCrewDir(),
    rateLimits: {
      perToken: settings.rateLimitPerToken ?? DEFAULT_RATE_LIMITS.perToken,
      perAddress: settings.rateLimitPerAddress ?? DEFAULT_RATE_LIMITS.perAddress,
    },
  })
  const { server, drain } = createDrainableServer(app, logger)
  // Plain HTTP stays where it was for the seed's devices; HTTPS listens beside it for phones.
  const secure = tls ? createDrainableServer(app, logger, tls) : null
  // Keep-alive sockets from crews' devices must not hold shutdown open.
  server.keepAliveTimeout = 5_000
  if (secure) secure.server.keepAliveTimeout = 5_000

  let address: AddressInfo
  let httpsAddress: AddressInfo | null = null
  try {
    address = await listen(server, settings.port, settings.host).catch((error: unknown) => {
      throw listenError(error, settings.port, settings.host, '--port')
    })
    if (secure) {
      const tlsPort = settings.tlsPort ?? 0
      httpsAddress = await listen(secure.server, tlsPort, settings.host).catch((error: unknown) => {
        server.close()
        throw listenError(error, tlsPort, settings.host, '--tls-port')
      })
    }
  } catch (error) {
    await events.close()
    await database.close()
    throw error
  }
  url = formatUrl(settings.host, address.port)
  const httpsUrl = httpsAddress ? formatUrl(settings.host, httpsAddress.port, 'https') : null
  listening = { http: address.port, https: httpsAddress?.port ?? null }
  // Worked out again on each read: addresses come and go (a VPN joined, a new DHCP lease).
  crewAccess = () =>
    chooseCrewAddress({
      host: settings.host,
      port: listening.http,
      tls:
        tls && listening.https !== null
          ? { port: listening.https, fingerprint: tls.fingerprint }
          : null,
      publicUrl: settings.publicUrl ?? null,
      interfaces: networkInterfaces(),
    })
  const crew = crewAccess()
  logger.info(
    { url, httpsUrl, crewUrl: crew.url, database: database.location, mode: database.mode },
    'dispatch server listening',
  )
  if (crew.warning) logger.warn(crew.warning)

  // The health page lists the configured feeds from the start, polled or not.
  await Promise.all(feeds.map((feed) => ensureFeed(database.db, feed.url))).catch(
    (error: unknown) => logger.warn({ err: error }, 'could not register the configured feeds'),
  )
  const jobs = [
    ...(feeds.length > 0 ? [pollingJob({ db: database.db, logger, identity, feeds })] : []),
    engineJob({ db: database.db, engine: services.engine, events, logger }),
    serviceLevelsJob({ db: database.db, levels: services.serviceLevels, events, logger }),
    upkeepJob({
      db: database.db,
      logger,
      retention: settings.retention,
      refreshDays: (system, from, to) =>
        services.serviceLevels.refresh({ system, from, to, rebuild: true }),
    }),
    ...(database.mode === 'embedded'
      ? [
          dailyBackupJob({
            url: database.url,
            dataDir: settings.dataDir,
            keep: settings.retention?.backups ?? 7,
            logger,
          }),
        ]
      : []),
  ]
  // Exactly one console on a database polls and runs the scheduled jobs; the others stand by.
  if (settings.poll !== false) {
    leader = startLeadership({
      url: database.url,
      lockName: JOBS_LOCK,
      jobs,
      logger,
      identity,
    })
  }

  let closing: Promise<void> | null = null
  const close = () => {
    closing ??= (async () => {
      // From now on no request starts; the deadline counts from here.
      const drained = Promise.all([drain(DRAIN_MS), secure?.drain(DRAIN_MS)])
      // Polls in flight finish their write first; the lock goes with the leader's connection.
      // Event streams never end by themselves: end them now, or they hold the drain open.
      await Promise.all([leader?.close(), events.close()])
      await drained
      // The pool, then the embedded PostgreSQL: nothing is left to use it.
      await database.close()
      logger.info('dispatch server stopped')
    })()
    return closing
  }

  return { url, httpsUrl, tls, services, database, events, close }
}
