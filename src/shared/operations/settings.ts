import {
  consoleSettingsSchema,
  databaseTestRequestSchema,
  settingsInputSchema,
  type ConsoleSettings,
  type DatabaseTest,
  type SettingsSaved,
} from '../settings.js'
import { NONE, operation, shaped } from './operation.js'
import { DISPATCH } from './roles.js'

/**
 * The settings file: read by a dispatcher anywhere, changed only in the desktop app on the server
 * (a browser on the LAN never rewrites the server's configuration).
 */

export const getSettings = operation({
  name: 'settings:get',
  summary: "The server's settings file (the database password masked)",
  description:
    'Read-only: settings are changed in the desktop app on the server, or in its settings.json. Database, address, port, feeds and lease take effect when the server starts again.',
  roles: DISPATCH,
  input: NONE,
  output: shaped<ConsoleSettings>(consoleSettingsSchema),
  route: { method: 'get', path: '/settings', tag: 'system', errors: [503] },
  example: undefined,
})

export const testDatabase = operation({
  name: 'settings:testDatabase',
  summary: 'Connect to a database before it is saved: server version, migrations',
  roles: DISPATCH,
  input: databaseTestRequestSchema,
  output: shaped<DatabaseTest>(),
  route: {
    desktopOnly:
      'the database is changed in the desktop app on the server (or in its settings.json): a browser on the LAN never changes the server’s settings',
  },
  example: { databaseUrl: 'postgres://balancer@db.depot.lan/balancer' },
})

export const saveSettings = operation({
  name: 'settings:save',
  summary: 'Write the settings file',
  roles: DISPATCH,
  input: settingsInputSchema,
  output: shaped<SettingsSaved>(),
  route: {
    desktopOnly:
      'settings are saved in the desktop app on the server (or in its settings.json): a browser on the LAN never changes the server’s settings',
  },
  example: {
    databaseUrl: null,
    feeds: [{ url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json' }],
    host: '127.0.0.1',
    port: 8000,
    leaseMinutes: 60,
    serviceHours: { start: '06:00', end: '22:00' },
    notifications: true,
  },
})

export const SETTINGS = [getSettings, testDatabase, saveSettings] as const
