import type { RunningSetting, SettingSource } from '../../shared/settings.js'
import type { CrewAccess } from '../../shared/crew-access.js'
import type { Settings, SettingsFile } from './settings.js'

/** The settings whose origin the console shows, as the settings file names them. */
export const TRACED = [
  'databaseUrl',
  'host',
  'port',
  'feeds',
  'poll',
  'leaseMinutes',
  'tls',
  'publicUrl',
] as const
export type TracedField = (typeof TRACED)[number]

/** Where each traced setting of this process came from, and the name it was given there. */
export type SettingSources = Record<TracedField, { source: SettingSource; by: string }>

const FLAGS: Record<TracedField, string> = {
  databaseUrl: '--database-url',
  host: '--host',
  port: '--port',
  feeds: '--feed',
  poll: '--no-poll',
  tls: '--tls',
  publicUrl: '--public-url',
  leaseMinutes: '',
}

const ENVIRONMENT: Partial<Record<TracedField, string>> = {
  databaseUrl: 'DATABASE_URL',
  host: 'BALANCER_HOST',
  port: 'BALANCER_PORT',
  feeds: 'GBFS_URL',
  poll: 'BALANCER_POLL',
  leaseMinutes: 'BALANCER_LEASE_MINUTES',
}

/** The layers loadSettings merged, highest last: which one gave each field (flags win). */
export function settingSources(
  file: SettingsFile,
  fromEnv: SettingsFile,
  fromFlags: SettingsFile,
): SettingSources {
  const entries = TRACED.map((field) => {
    if (fromFlags[field] !== undefined) return [field, { source: 'flag', by: FLAGS[field] }]
    if (fromEnv[field] !== undefined) {
      return [field, { source: 'environment', by: ENVIRONMENT[field] ?? field }]
    }
    if (file[field] !== undefined) return [field, { source: 'file', by: `settings.json ${field}` }]
    return [field, { source: 'default', by: 'default' }]
  })
  return Object.fromEntries(entries) as SettingSources
}

/** What a running server knows of itself beyond its settings. */
export interface RunningFacts {
  /** The port it listens on (the one asked for, or the one found for port 0). */
  port: number | null
  /** Where its data is: the embedded PostgreSQL, or host:port/database. */
  databaseLocation: string
  /** Where phones reach it (src/server/crew-access/crew-address.ts), when it listens. */
  crew: CrewAccess | null
}

/**
 * The values this process runs with now, each with where it came from: the Settings and System
 * pages show them beside what the settings file holds for the next start.
 */
export function runningSettings(settings: Settings, facts: RunningFacts): RunningSetting[] {
  const sources = settings.sources
  const from = (field: TracedField) =>
    sources?.[field] ?? { source: 'default' as const, by: 'default' }
  const rows: RunningSetting[] = [
    {
      field: 'databaseUrl',
      label: 'Database',
      value: facts.databaseLocation,
      ...from('databaseUrl'),
    },
    { field: 'host', label: 'API address', value: settings.host, ...from('host') },
    {
      field: 'port',
      label: 'API port',
      value:
        facts.port !== null && facts.port !== settings.port
          ? `${facts.port} (asked for ${settings.port}: any free port)`
          : String(settings.port),
      ...from('port'),
    },
    {
      field: 'feeds',
      label: 'Feeds',
      value: (settings.feeds ?? []).map((feed) => feed.url).join(', ') || 'none',
      ...from('feeds'),
    },
    {
      field: 'poll',
      label: 'Polls feeds here',
      value: settings.poll === false ? 'no' : 'yes',
      ...from('poll'),
    },
    {
      field: 'leaseMinutes',
      label: 'Task lease',
      value: `${settings.leaseMinutes ?? 60} minutes`,
      ...from('leaseMinutes'),
    },
    { field: 'tls', label: 'HTTPS for crews', value: settings.tls ?? 'off', ...from('tls') },
  ]
  if (facts.crew) {
    rows.push({
      field: 'publicUrl',
      label: 'Address for crews',
      value: facts.crew.url,
      ...(settings.publicUrl
        ? from('publicUrl')
        : { source: 'default', by: 'worked out from the network interfaces' }),
    })
  }
  return rows
}
