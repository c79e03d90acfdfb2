import type { AppStatus } from '../contract.js'
import { NONE, operation, shaped } from './operation.js'

/** The console's own state: the server and its database. */

export const appStatus = operation({
  name: 'app:status',
  summary: 'Whether the server and its database are up, and where',
  roles: 'public',
  input: NONE,
  output: shaped<AppStatus>(),
  route: {
    edge: "the desktop asks main's server supervisor, which also answers while the server is down; a browser reads GET /health (src/server/http/system.routes.ts)",
  },
  example: undefined,
})

export const APP = [appStatus] as const
