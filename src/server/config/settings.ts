import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir, platform } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { DEFAULT_SERVICE_HOURS, type ServiceHours } from '../../shared/settings.js'
import { DEFAULT_FEED_URL, type FeedConfig } from '../gbfs/discovery.js'
import { resolveTiles, tilesFileSchema } from '../tiles/tile-settings.js'
import type { TileSettings } from '../tiles/tiles.service.js'
import { DEFAULT_RETENTION, type Retention } from './retention.js'
import { settingSources, type SettingSources } from './setting-sources.js'

export { DEFAULT_RETENTION, type Retention } from './retention.js'

/** Everything a process needs to find its database and serve the API. */
export interface Settings {
  /** Holds the settings file and, without `databaseUrl`, the embedded PostgreSQL cluster. */
  dataDir: string
  /** A configured PostgreSQL server; `null` means the embedded one. */
  databaseUrl: string | null
  host: string
  port: number
  /**
   * The GBFS feeds this console polls when it leads (`undefined`: none, for programs and tests
   * that build settings by hand; loadSettings always fills it, Bay Wheels by default).
   */
  feeds?: FeedConfig[]
  /** False: this console never polls or runs the scheduled jobs (`--no-poll`). */
  poll?: boolean
  /** An assigned task not completed within this many minutes is flagged stale. */
  leaseMinutes?: number
  /** Requests a minute per crew token and per address without a valid token. */
  rateLimitPerToken?: number
  rateLimitPerAddress?: number
  /** When station and stale-task notifications are shown, on the system's clock. */
  serviceHours?: ServiceHours
  /** Desktop notifications from the app. */
  notifications?: boolean
  /** How long upkeep keeps each kind of history, and how many daily backups (`undefined`: defaults). */
  retention?: Retention
  /** HTTPS for crews: `auto` makes a certificate in `<data dir>/tls/`; off by default. */
  tls?: 'auto' | 'off'
  /** The depot's own certificate and key (PEM files); they turn HTTPS on unless `tls` is off. */
  tlsCert?: string | null
  tlsKey?: string | null
  /** The HTTPS port, beside the plain HTTP one (default 8443; 0 with `port` 0: any free one). */
  tlsPort?: number
  /** The address phones are given, when the one worked out from the interfaces is wrong. */
  publicUrl?: string | null
  /** The map's tile server (`--tile-url`, BALANCER_TILE_URL, `tiles.url`) and cache bound. */
  tiles?: TileSettings
  /** Where each setting came from (flag, environment, file, default); loadSettings fills it. */
  sources?: SettingSources
}

/** What a command line may override; `undefined` means "not given". */
export type SettingsOverrides = Partial<Settings>

export const SETTINGS_FILE = 'settings.json'
export const APP_DIR_NAME = 'bay-wheels-balancer'

/**
 * Loopback by default: the API answers crews only once a dispatcher chooses to open it to the
 * LAN (`--host 0.0.0.0`). 8000 is the port the seed's crew devices were built against.
 */
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8000
/** A move is a drive, a load and an unload: an hour covers it in city traffic. */
export const DEFAULT_LEASE_MINUTES = 60
/** HTTPS beside plain HTTP: the seed's devices keep http://…:8000, phones pair over 8443. */
export const DEFAULT_TLS_PORT = 8443

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), {
    message: 'must be a postgres:// or postgresql:// URL',
  })

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535')

const host = z.string().trim().min(1, 'must not be empty')

const feedUrl = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), {
    message: 'must be an http:// or https:// URL of a gbfs.json or station_information.json',
  })

/** A feed: its URL, or `{url, systemId}` to choose the system its stations are kept under. */
const feed = z.union([
  feedUrl,
  z.object({ url: feedUrl, systemId: z.string().trim().min(1).optional() }).strict(),
])

const clock = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (00:00-23:59)')

const serviceHours = z
  .object({ start: clock, end: clock })
  .strict()
  .refine((hours) => hours.start !== hours.end, {
    message: 'must start and end at different times',
  })

const TRUE_WORDS = ['true', '1', 'on', 'yes']
const FALSE_WORDS = ['false', '0', 'off', 'no']
/** A switch, as JSON's true/false or as an environment variable's words. */
const onOff = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value
    const word = value.trim().toLowerCase()
    if (TRUE_WORDS.includes(word)) return true
    if (FALSE_WORDS.includes(word)) return false
    return value
  },
  z.boolean({ error: 'must be true or false' }),
)

const wholeNumber = (min: number, max: number, unit: string) =>
  z
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max} ${unit}`)
    .max(max, `must be between ${min} and ${max} ${unit}`)

/** Each field optional: the ones not given keep their defaults. */
const retention = z
  .object({
    // Under 2 months the month being written could be dropped; 1200 is a century.
    statusMonths: wholeNumber(2, 1200, 'months').optional(),
    feedPollsDays: wholeNumber(1, 36500, 'days').optional(),
    crewHeartbeatsDays: wholeNumber(1, 36500, 'days').optional(),
    // prune_audit_log never deletes the last 30 days whatever this says.
    auditLogMonths: wholeNumber(1, 1200, 'months').optional(),
    backups: wholeNumber(1, 365, 'backups').optional(),
  })
  .strict()

/** The settings file, as a depot's IT may edit it by hand. */
export const settingsFileSchema = z
  .object({
    databaseUrl: postgresUrl.nullable().optional(),
    host: host.optional(),
    port: port.optional(),
    feeds: z.array(feed).optional(),
    poll: onOff.optional(),
    leaseMinutes: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number of minutes')
      .min(1, 'must be between 1 and 1440 minutes')
      .max(1440, 'must be between 1 and 1440 minutes')
      .optional(),
    rateLimitPerToken: z.int('must be a whole number').positive('must be positive').optional(),
    rateLimitPerAddress: z.int('must be a whole number').positive('must be positive').optional(),
    serviceHours: serviceHours.optional(),
    notifications: onOff.optional(),
    retention: retention.optional(),
    tls: z.enum(['auto', 'off'], { error: 'must be "auto" or "off"' }).optional(),
    tlsCert: z.string().trim().min(1, 'must not be empty').nullable().optional(),
    tlsKey: z.string().trim().min(1, 'must not be empty').nullable().optional(),
    tlsPort: port.optional(),
    publicUrl: z
      .string()
      .trim()
      .refine((value) => /^https?:\/\/[^/]+\/?$/.test(value) && URL.canParse(value), {
        message:
          'must be an http:// or https:// address without a path, e.g. https://depot.example:8443',
      })
      .nullable()
      .optional(),
    tiles: tilesFileSchema.optional(),
  })
  .strict()

export type SettingsFile = z.infer<typeof settingsFileSchema>

export class SettingsError extends Error {
  override name = 'SettingsError'
}

/**
 * Where data lives when nobody says. PostgreSQL refuses to run as root, so as root the embedded
 * cluster runs as the `postgres` user, which cannot enter /root: root gets a system directory.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  os: NodeJS.Platform = platform(),
  uid: number = process.getuid?.() ?? -1,
  home: string = homedir(),
): string {
  if (os === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME)
  if (os === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME)
  if (uid === 0) return join('/var/lib', APP_DIR_NAME)
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), APP_DIR_NAME)
}

/** The settings file as saved (validated), `{}` when there is none. */
export async function readSettingsFile(dataDir: string): Promise<SettingsFile> {
  const path = join(dataDir, SETTINGS_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new SettingsError(`cannot read ${path}: ${(error as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new SettingsError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SettingsError(`${path} must hold one JSON object`)
  }
  return parseLayer(json as Record<string, unknown>, path, {})
}

/**
 * Validates one layer of settings (file, environment or flags), naming each bad field the way its
 * source spells it.
 */
function parseLayer(
  raw: Record<string, unknown>,
  source: string,
  names: Partial<Record<keyof SettingsFile, string>>,
): SettingsFile {
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined))
  const parsed = settingsFileSchema.safeParse(given)
  if (parsed.success) return parsed.data
  const detail = parsed.error.issues
    .map((issue) => {
      // A field of an object is named in full (retention.statusMonths); one in a list is not.
      const within =
        typeof issue.path[1] === 'string'
          ? issue.path.slice(1).map((part) => `.${String(part)}`)
          : []
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length > 0 ? ` in ${issue.path.map(String).join('.')}` : ''
        return `unknown field(s) ${issue.keys.join(', ')}${where}`
      }
      const key = String(issue.path[0])
      const name = (names as Record<string, string | undefined>)[key] ?? key
      return `${name}${within.join('')} ${issue.message}`
    })
    .join('; ')
  throw new SettingsError(`${source}: ${detail}`)
}

/** Command-line flags, then environment, then the settings file, then defaults. */
export async function loadSettings(
  overrides: SettingsOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Settings> {
  const dataDir = overrides.dataDir ?? (env.BALANCER_DATA_DIR || defaultDataDir(env))
  const file = await readSettingsFile(dataDir)
  const fromEnv = parseLayer(
    {
      databaseUrl: env.DATABASE_URL || undefined,
      host: env.BALANCER_HOST || undefined,
      port: env.BALANCER_PORT || undefined,
      // Several feeds: separated by spaces or commas.
      feeds: env.GBFS_URL ? env.GBFS_URL.split(/[\s,]+/).filter(Boolean) : undefined,
      poll: env.BALANCER_POLL || undefined,
      leaseMinutes: env.BALANCER_LEASE_MINUTES || undefined,
    },
    'environment',
    {
      databaseUrl: 'DATABASE_URL',
      host: 'BALANCER_HOST',
      port: 'BALANCER_PORT',
      feeds: 'GBFS_URL',
      poll: 'BALANCER_POLL',
      leaseMinutes: 'BALANCER_LEASE_MINUTES',
    },
  )
  const fromFlags = parseLayer(
    {
      databaseUrl: overrides.databaseUrl ?? undefined,
      host: overrides.host,
      port: overrides.port,
      feeds: overrides.feeds?.length ? overrides.feeds : undefined,
      poll: overrides.poll,
      tls: overrides.tls,
      tlsCert: overrides.tlsCert ?? undefined,
      tlsKey: overrides.tlsKey ?? undefined,
      tlsPort: overrides.tlsPort,
      publicUrl: overrides.publicUrl ?? undefined,
    },
    'command line',
    {
      databaseUrl: '--database-url',
      host: '--host',
      port: '--port',
      feeds: '--feed',
      poll: '--no-poll',
      tls: '--tls',
      tlsCert: '--tls-cert',
      tlsKey: '--tls-key',
      tlsPort: '--tls-port',
      publicUrl: '--public-url',
    },
  )
  const merged = { ...file, ...fromEnv, ...fromFlags }
  return {
    dataDir,
    databaseUrl: merged.databaseUrl ?? null,
    host: merged.host ?? DEFAULT_HOST,
    port: merged.port ?? DEFAULT_PORT,
    feeds: (merged.feeds ?? [DEFAULT_FEED_URL]).map((entry) =>
      typeof entry === 'string' ? { url: entry } : entry,
    ),
    poll: merged.poll ?? true,
    leaseMinutes: merged.leaseMinutes ?? DEFAULT_LEASE_MINUTES,
    rateLimitPerToken: merged.rateLimitPerToken,
    rateLimitPerAddress: merged.rateLimitPerAddress,
    serviceHours: merged.serviceHours ?? DEFAULT_SERVICE_HOURS,
    notifications: merged.notifications ?? true,
    retention: { ...DEFAULT_RETENTION, ...merged.retention },
    tls: merged.tls ?? 'off',
    tlsCert: merged.tlsCert ?? null,
    tlsKey: merged.tlsKey ?? null,
    tlsPort: merged.tlsPort ?? (merged.port === 0 ? 0 : DEFAULT_TLS_PORT),
    publicUrl: merged.publicUrl ?? null,
    tiles: resolveTiles(merged.tiles, env, overrides.tiles?.url, (m) => new SettingsError(m)),
    sources: settingSources(file, fromEnv, fromFlags),
  }
}

/**
 * Replaces the settings file: written beside it and renamed over it, so a crash never leaves half
 * a file; mode 0600, since a database URL may hold a password.
 */
export async function writeSettingsFile(dataDir: string, file: SettingsFile): Promise<string> {
  const path = join(dataDir, SETTINGS_FILE)
  await mkdir(dataDir, { recursive: true })
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
    await chmod(temporary, 0o600)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  return path
}

/** Which settings the environment sets here (they win over the settings file), by field. */
export function environmentOverrides(
  env: NodeJS.ProcessEnv = process.env,
): Partial<Record<keyof SettingsFile, string>> {
  const names: [keyof SettingsFile, string][] = [
    ['databaseUrl', 'DATABASE_URL'],
    ['host', 'BALANCER_HOST'],
    ['port', 'BALANCER_PORT'],
    ['feeds', 'GBFS_URL'],
    ['poll', 'BALANCER_POLL'],
    ['leaseMinutes', 'BALANCER_LEASE_MINUTES'],
  ]
  return Object.fromEntries(
    names.filter(([, name]) => env[name]).map(([field, name]) => [field, name]),
  )
}

/** `host:port/database` of a URL, for showing where the data is without its credentials. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const database = parsed.pathname.replace(/^\//, '') || '(default database)'
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`
  } catch {
    return '(unparseable database URL)'
  }
}
