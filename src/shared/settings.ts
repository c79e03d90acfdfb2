/**
 * The console's Settings page: what `settings:get` shows (never a secret), what `settings:save`
 * writes to the settings file, and what `settings:testDatabase` finds before a database is saved.
 * The server checks the values (settings.service); the schemas here check the shapes.
 */

import { z } from 'zod'

/** What a password in a database URL is shown as; sent back unchanged, the stored one is kept. */
export const SECRET_MASK = '********'

/** Local times on the system's clock, `HH:MM`; `end` before `start` runs past midnight. */
export interface ServiceHours {
  start: string
  end: string
}

/** 06:00-22:00: when depots run vans; a station emptying at 03:00 waits for the morning. */
export const DEFAULT_SERVICE_HOURS: ServiceHours = { start: '06:00', end: '22:00' }

export interface FeedSetting {
  url: string
  systemId?: string
}

/** The fields of the Settings page, as the settings file names them. */
export type SettingsField =
  'databaseUrl' | 'feeds' | 'host' | 'port' | 'leaseMinutes' | 'serviceHours' | 'notifications'

/** What the Settings page saves: every field, as shown (a masked password means "keep it"). */
export interface SettingsInput {
  /** A configured PostgreSQL with its password masked, or null for the embedded one. */
  databaseUrl: string | null
  feeds: FeedSetting[]
  host: string
  port: number
  leaseMinutes: number
  serviceHours: ServiceHours
  /** Desktop notifications from the app (a browser asks its own permission). */
  notifications: boolean
}

/** Where a running value came from, highest first. */
export type SettingSource = 'flag' | 'environment' | 'file' | 'default'

/** A value the server runs with now, and where it came from (the Settings and System pages). */
export interface RunningSetting {
  /** As the settings file names it (`port`), or `publicUrl` for the crews' address. */
  field: string
  /** In words: "API port". */
  label: string
  /** As running: the port it listens on, the database's host:port/name (never a password). */
  value: string
  source: SettingSource
  /** The flag, variable or file field that gave it (`--port`, `BALANCER_PORT`), or `default`. */
  by: string
}

export interface ConsoleSettings extends SettingsInput {
  /** Where they are saved. */
  settingsFile: string
  /** Fields the environment or the command line set on this console: they win over the file. */
  overridden: { field: SettingsField; by: string }[]
  /** What the server runs with now, and from where; the rest of this answer is the saved file. */
  running: RunningSetting[]
}

export const runningSettingSchema = z.object({
  field: z.string(),
  label: z.string(),
  value: z.string(),
  source: z.enum(['flag', 'environment', 'file', 'default']),
  by: z.string(),
}) satisfies z.ZodType<RunningSetting>

export interface DatabaseTestRequest {
  /** As typed on the page (a masked password is the stored one); null tests the embedded one. */
  databaseUrl: string | null
}

export interface DatabaseTest {
  ok: boolean
  /** host:port/database, never the credentials. */
  location: string
  /** PostgreSQL's `server_version`, when it answered. */
  serverVersion: string | null
  /** Which of this version's migrations the database has; null when it could not be read. */
  migrations: { applied: number; known: number; pending: string[]; current: boolean } | null
  /** What went wrong, or what to know (a database behind on migrations is brought up on start). */
  detail: string | null
}

export interface SettingsSaved {
  settings: ConsoleSettings
  /** Labels of the changed settings that take effect when the console starts again. */
  restartNeeded: string[]
}

/** What `settings:save` and `settings:testDatabase` accept (shapes only; the service checks values). */
export const settingsInputSchema = z
  .object({
    databaseUrl: z.string().max(2_000).nullable(),
    feeds: z
      .array(
        z.object({ url: z.string().max(2_000), systemId: z.string().max(200).optional() }).strict(),
      )
      .max(20),
    host: z.string().max(255),
    port: z.number(),
    leaseMinutes: z.number(),
    serviceHours: z.object({ start: z.string().max(5), end: z.string().max(5) }).strict(),
    notifications: z.boolean(),
  })
  .strict() satisfies z.ZodType<SettingsInput>

export const databaseTestRequestSchema = z
  .object({ databaseUrl: z.string().max(2_000).nullable() })
  .strict() satisfies z.ZodType<DatabaseTestRequest>

/** What `settings:get` answers (GET /settings). */
export const consoleSettingsSchema = z.object({
  settingsFile: z.string(),
  databaseUrl: z
    .string()
    .nullable()
    .meta({ description: 'A configured PostgreSQL, its password masked; null: the embedded one' }),
  feeds: z.array(z.object({ url: z.string(), systemId: z.string().optional() })),
  host: z.string(),
  port: z.number(),
  leaseMinutes: z.number(),
  serviceHours: z.object({ start: z.string(), end: z.string() }),
  notifications: z.boolean(),
  overridden: z.array(z.object({ field: z.string(), by: z.string() })),
  running: z
    .array(runningSettingSchema)
    .meta({ description: 'What the server runs with now, and where each value came from' }),
})
