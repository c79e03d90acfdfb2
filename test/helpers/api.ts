import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import type { CrewAccess } from '../../src/shared/crew-access.js'
import type { Role } from '../../src/shared/dispatch.js'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import type { NotifyHub } from '../../src/server/events/notify-hub.js'
import { createApp } from '../../src/server/http/app.js'
import type { RateLimits } from '../../src/server/http/auth.middleware.js'
import { silentLogger } from '../../src/server/logger.js'
import { createServices, type Services } from '../../src/server/services.js'
import type { SettingsDeps } from '../../src/server/settings/settings.service.js'
import type { TestDatabase } from './test-database.js'

export interface TestApi {
  url: string
  services: Services
  /** A new token of this role (a crew token makes the crew too). */
  token(
    role: Role,
    name?: string,
    options?: { crewId?: string; vanCapacity?: number },
  ): Promise<string>
  /** fetch against the API with JSON in and out. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown; headers: Headers }>
  close(): Promise<void>
}

let tokenCount = 0

/** The real HTTP API on a test database, listening on a free loopback port. */
export async function startApi(
  database: TestDatabase,
  options: {
    leaseMinutes?: number
    rateLimits?: RateLimits | false
    events?: NotifyHub
    /** Where the settings file is (the Settings page); none by default. */
    settings?: SettingsDeps
    maxUploadBytes?: number
    /** Where phones reach the server (the pairing link's address); none by default. */
    crewAccess?: () => CrewAccess | null
  } = {},
): Promise<TestApi> {
  const { services, metrics } = createServices({
    db: database.db,
    pool: database.pool,
    mode: 'configured',
    location: database.name,
    apiUrl: () => null,
    leaseMinutes: options.leaseMinutes,
    databaseUrl: database.url,
    settings: options.settings,
    crewAccess: options.crewAccess,
  })
  const app = createApp({
    services,
    logger: silentLogger(),
    metrics,
    rateLimits: options.rateLimits ?? false,
    events: options.events ?? null,
    maxUploadBytes: options.maxUploadBytes,
  })
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    services,
    async token(role, name, tokenOptions = {}) {
      tokenCount += 1
      const created = await services.auth.createToken(
        { role, name: name ?? `${role} ${tokenCount}`, ...tokenOptions },
        CLI_ACTOR,
      )
      return created.token
    },
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers }
      if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`
      let body: string | undefined
      if (callOptions.body !== undefined) {
        headers['content-type'] ??= 'application/json'
        body =
          typeof callOptions.body === 'string' ? callOptions.body : JSON.stringify(callOptions.body)
      }
      const response = await fetch(`${url}${path}`, { method, headers, body })
      const text = await response.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // Not JSON (metrics, docs): the text itself.
      }
      return { status: response.status, body: parsed, headers: response.headers }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
