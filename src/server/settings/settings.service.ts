import { join } from 'node:path'
import pg from 'pg'
import {
  SECRET_MASK,
  type ConsoleSettings,
  type RunningSetting,
  type DatabaseTest,
  type DatabaseTestRequest,
  type SettingsField,
  type SettingsInput,
  type SettingsSaved,
} from '../../shared/settings.js'
import {
  DEFAULT_HOST,
  DEFAULT_LEASE_MINUTES,
  DEFAULT_PORT,
  describeDatabaseUrl,
  environmentOverrides,
  readSettingsFile,
  SETTINGS_FILE,
  settingsFileSchema,
  writeSettingsFile,
  type SettingsFile,
} from '../config/settings.js'
import { MIGRATIONS } from '../db/migrations.js'
import { describeError, ServiceError } from '../errors.js'
import { DEFAULT_FEED_URL } from '../gbfs/discovery.js'
import { DEFAULT_SERVICE_HOURS } from '../../shared/settings.js'

/**
 * The Settings page: reads and writes `<data dir>/settings.json`, tests a database before it is
 * saved, and never hands a password back (a masked one sent back means "keep the stored one").
 */
export interface SettingsService {
  get(): Promise<ConsoleSettings>
  testDatabase(request: DatabaseTestRequest): Promise<DatabaseTest>
  save(input: SettingsInput): Promise<SettingsSaved>
}

export interface SettingsDeps {
  /** Where settings.json lives; null for a server built without one (tests): get() refuses. */
  dataDir: string | null
  /** The database this console runs on, with credentials: what "embedded" is tested against. */
  runningDatabase?: { mode: 'embedded' | 'configured'; url: string } | null
  env?: NodeJS.ProcessEnv
  /** How long a database test waits for a connection. */
  connectTimeoutMs?: number
  /** What the server runs with now, and from where (src/server/config/setting-sources.ts). */
  running?: () => RunningSetting[]
}

/** `scheme://user:` + password + `@host...`: the password is the only secret a setting holds. */
const URL_PASSWORD = /^(postgres(?:ql)?:\/\/[^:@/?#]*:)([^@/?#]*)(@.*)$/

export function maskDatabaseUrl(url: string): string {
  return url.replace(URL_PASSWORD, (_, head: string, password: string, tail: string) =>
    password ? `${head}${SECRET_MASK}${tail}` : `${head}${tail}`,
  )
}

/**
 * The URL as it is to be saved: a masked password is the stored one, so leaving the field as it
 * was shown keeps the secret. A masked password with nothing stored is a mistake to name.
 */
export function unmaskDatabaseUrl(given: string, stored: string | null | undefined): string {
  const match = URL_PASSWORD.exec(given)
  if (!match || match[2] !== SECRET_MASK) return given
  const storedPassword = stored ? URL_PASSWORD.exec(stored)?.[2] : undefined
  if (storedPassword === undefined) {
    throw invalid('databaseUrl: the password is hidden and none is saved: type the password')
  }
  return `${match[1]}${storedPassword}${match[3]}`
}

function invalid(detail: string): ServiceError {
  return new ServiceError('invalid', 'invalid_settings', detail)
}

const LABELS: Record<SettingsField, string> = {
  databaseUrl: 'database',
  feeds: 'feeds',
  host: 'API address',
  port: 'API port',
  leaseMinutes: 'task lease',
  serviceHours: 'service hours',
  notifications: 'notifications',
}

/** Settings the running server read at start; the others are read when they are used. */
const NEED_RESTART: readonly SettingsField[] = [
  'databaseUrl',
  'feeds',
  'host',
  'port',
  'leaseMinutes',
]

/** The page's input, checked field by field with the settings file's own rules. */
function validate(input: SettingsInput): SettingsFile {
  const parsed = settingsFileSchema.safeParse({
    databaseUrl: input.databaseUrl === null ? null : input.databaseUrl.trim() || null,
    feeds: input.feeds.map((feed) =>
      feed.systemId?.trim() ? { url: feed.url, systemId: feed.systemId.trim() } : feed.url,
    ),
    host: input.host,
    port: input.port,
    leaseMinutes: input.leaseMinutes,
    serviceHours: input.serviceHours,
    notifications: input.notifications,
  })
  if (parsed.success) return parsed.data
  throw invalid(
    parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`)
      .join('; '),
  )
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** What `schema_migrations` holds against what this version ships. */
async function migrationState(client: pg.Client): Promise<NonNullable<DatabaseTest['migrations']>> {
  const known = MIGRATIONS.map((migration) => migration.name)
  const { rows } = await client.query<{ exists: boolean }>(
    "select to_regclass('schema_migrations') is not null as exists",
  )
  const applied = new Set<string>()
  if (rows[0]?.exists) {
    const result = await client.query<{ name: string }>('select name from schema_migrations')
    for (const row of result.rows) applied.add(row.name)
  }
  const pending = known.filter((name) => !applied.has(name))
  return { applied: applied.size, known: known.length, pending, current: pending.length === 0 }
}

export function createSettingsService(deps: SettingsDeps): SettingsService {
  const env = deps.env ?? process.env
  const timeout = deps.connectTimeoutMs ?? 5_000

  function dataDir(): string {
    if (!deps.dataDir) {
      throw new ServiceError(
        'unavailable',
        'no_settings_file',
        'this server was started without a data directory, so it has no settings file',
      )
    }
    return deps.dataDir
  }

  function view(file: SettingsFile, dir: string): ConsoleSettings {
    const overrides = environmentOverrides(env)
    return {
      settingsFile: join(dir, SETTINGS_FILE),
      databaseUrl: file.databaseUrl ? maskDatabaseUrl(file.databaseUrl) : null,
      feeds: (file.feeds ?? [DEFAULT_FEED_URL]).map((feed) =>
        typeof feed === 'string' ? { url: feed } : feed,
      ),
      host: file.host ?? DEFAULT_HOST,
      port: file.port ?? DEFAULT_PORT,
      leaseMinutes: file.leaseMinutes ?? DEFAULT_LEASE_MINUTES,
      serviceHours: file.serviceHours ?? DEFAULT_SERVICE_HOURS,
      notifications: file.notifications ?? true,
      overridden: (Object.keys(LABELS) as SettingsField[]).flatMap((field) => {
        const by = overrides[field]
        return by ? [{ field, by: `the environment (${by})` }] : []
      }),
      running: deps.running?.() ?? [],
    }
  }

  async function testDatabase({ databaseUrl }: DatabaseTestRequest): Promise<DatabaseTest> {
    let url: string
    if (databaseUrl === null || databaseUrl.trim() === '') {
      if (deps.runningDatabase?.mode !== 'embedded') {
        return {
          ok: true,
          location: 'the embedded PostgreSQL',
          serverVersion: null,
          migrations: null,
          detail: `the embedded PostgreSQL starts with the console in ${dataDir()} (a new one is empty)`,
        }
      }
      url = deps.runningDatabase.url
    } else {
      const stored = (await readSettingsFile(dataDir())).databaseUrl
      url = unmaskDatabaseUrl(databaseUrl.trim(), stored)
      const checked = settingsFileSchema.shape.databaseUrl.safeParse(url)
      if (!checked.success) {
        throw invalid(`databaseUrl: ${checked.error.issues[0]?.message ?? 'is not a URL'}`)
      }
    }
    const location = describeDatabaseUrl(url)
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: timeout,
      application_name: 'bay-wheels-balancer settings test',
    })
    client.on('error', () => undefined)
    try {
      await client.connect()
      const version = await client.query<{ server_version: string }>('show server_version')
      const migrations = await migrationState(client)
      const serverVersion = version.rows[0]?.server_version ?? null
      const major = Number(serverVersion?.split('.')[0])
      if (Number.isFinite(major) && major < 14) {
        return {
          ok: false,
          location,
          serverVersion,
          migrations,
          detail: `PostgreSQL ${serverVersion} is too old: the console needs 14 or newer`,
        }
      }
      return {
        ok: true,
        location,
        serverVersion,
        migrations,
        detail: migrations.current
          ? null
          : migrations.applied === 0
            ? 'an empty database: the console creates its tables when it starts with it'
            : `${migrations.pending.length} migration(s) to apply (${migrations.pending.join(', ')}): the console applies them when it starts with it`,
      }
    } catch (error) {
      return {
        ok: false,
        location,
        serverVersion: null,
        migrations: null,
        detail: describeError(error),
      }
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  return {
    async get() {
      const dir = dataDir()
      return view(await readSettingsFile(dir), dir)
    },

    testDatabase,

    async save(input) {
      const dir = dataDir()
      const before = await readSettingsFile(dir)
      const databaseUrl =
        input.databaseUrl === null || input.databaseUrl.trim() === ''
          ? null
          : unmaskDatabaseUrl(input.databaseUrl.trim(), before.databaseUrl)
      const given = validate({ ...input, databaseUrl })
      // A database is saved only once it answers: a typo must not cost the next start.
      if ((given.databaseUrl ?? null) !== (before.databaseUrl ?? null) && given.databaseUrl) {
        const test = await testDatabase({ databaseUrl: given.databaseUrl })
        if (!test.ok) {
          throw new ServiceError(
            'unprocessable',
            'database_unreachable',
            `databaseUrl: ${test.location} did not answer: ${test.detail ?? 'unknown error'}; nothing was saved`,
          )
        }
      }
      // Fields the page does not show (poll, rate limits) stay as the file had them.
      const next: SettingsFile = { ...before, ...given }
      if (next.databaseUrl === null) delete next.databaseUrl
      await writeSettingsFile(dir, next)
      const was = view(before, dir)
      const now = view(next, dir)
      const changed = (Object.keys(LABELS) as SettingsField[]).filter(
        (field) =>
          !same(
            field === 'databaseUrl' ? (before.databaseUrl ?? null) : was[field],
            field === 'databaseUrl' ? (next.databaseUrl ?? null) : now[field],
          ),
      )
      return {
        settings: now,
        restartNeeded: changed.filter((f) => NEED_RESTART.includes(f)).map((f) => LABELS[f]),
      }
    },
  }
}
