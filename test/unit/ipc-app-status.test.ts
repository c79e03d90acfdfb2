import { describe, expect, it, vi } from 'vitest'
import { appStatus } from '../helpers/app-status.js'
import { fakeServices } from '../helpers/fake-services.js'
import type { Settings } from '../../src/server/config/settings.js'
import { silentLogger } from '../../src/server/logger.js'
import { describeError } from '../../src/server/errors.js'
import { createHandlers } from '../../src/main/handlers.js'
import {
  createServerSupervisor,
  failedStartStatus,
  type RunningServer,
} from '../../src/main/server-supervisor.js'

const configured: Settings = {
  dataDir: '/var/lib/bay-wheels-balancer',
  databaseUrl: 'postgres://dispatch:s3cret@db.depot.lan:5433/balancer',
  host: '127.0.0.1',
  port: 8000,
}

function fakeServer(close = vi.fn(() => Promise.resolve())): RunningServer {
  return {
    services: fakeServices({
      status: {
        getAppStatus: () =>
          Promise.resolve(
            appStatus(true, { mode: 'configured', location: 'db.depot.lan:5433/balancer' }),
          ),
      },
    }),
    close,
  }
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5433'), { code: 'ECONNREFUSED' })
}

function supervise(start: () => Promise<RunningServer>) {
  const onChange = vi.fn()
  const supervisor = createServerSupervisor({
    start,
    failedStatus: (error) => failedStartStatus(error, configured),
    onChange,
    logger: silentLogger(),
  })
  return { supervisor, onChange, handlers: createHandlers(supervisor) }
}

describe("app:status while the console's server starts, fails and stops", () => {
  it("answers the running server's own status", async () => {
    const { supervisor, handlers, onChange } = supervise(() => Promise.resolve(fakeServer()))
    await supervisor.start()

    await expect(handlers['app:status'](undefined)).resolves.toMatchObject({
      database: { reachable: true, serverVersion: '17.6' },
    })
    expect(onChange).toHaveBeenCalledTimes(1)
  })

  it('reports a server that did not start as an unreachable database, in its own words', async () => {
    const { supervisor, handlers, onChange } = supervise(() => Promise.reject(refused()))
    await supervisor.start()

    const status = await handlers['app:status'](undefined)
    expect(status.database).toEqual({
      mode: 'configured',
      location: 'db.depot.lan:5433/balancer',
      reachable: false,
      serverVersion: null,
      postgis: false,
      detail: 'connect ECONNREFUSED 10.0.0.5:5433',
    })
    expect(status.apiUrl).toBeNull()
    expect(JSON.stringify(status)).not.toContain('s3cret')
    expect(onChange).toHaveBeenCalled()
  })

  it('tries to start again when asked after a failure, as the Retry button does', async () => {
    const start = vi
      .fn<() => Promise<RunningServer>>()
      .mockRejectedValueOnce(refused())
      .mockResolvedValueOnce(fakeServer())
    const { supervisor, handlers } = supervise(start)
    await supervisor.start()

    await expect(handlers['app:status'](undefined)).resolves.toMatchObject({
      database: { reachable: true },
    })
    expect(start).toHaveBeenCalledTimes(2)
  })

  it('waits for a start in progress rather than starting a second server', async () => {
    let finish: (server: RunningServer) => void = () => undefined
    const start = vi.fn(() => new Promise<RunningServer>((resolve) => (finish = resolve)))
    const { supervisor, handlers } = supervise(start)
    void supervisor.start()

    await expect(supervisor.snapshot()).resolves.toBeNull()
    const answer = handlers['app:status'](undefined)
    finish(fakeServer())

    await expect(answer).resolves.toMatchObject({ database: { reachable: true } })
    expect(start).toHaveBeenCalledTimes(1)
  })

  it('periodic snapshots never start a server', async () => {
    const start = vi.fn(() => Promise.reject(refused()))
    const { supervisor } = supervise(start)
    await supervisor.start()

    await supervisor.snapshot()
    await supervisor.snapshot()
    expect(start).toHaveBeenCalledTimes(1)
  })

  it('on quit, waits for a start in progress and then closes that server', async () => {
    let finish: (server: RunningServer) => void = () => undefined
    const { supervisor, handlers } = supervise(
      () => new Promise<RunningServer>((resolve) => (finish = resolve)),
    )
    void supervisor.start()
    const close = vi.fn(() => Promise.resolve())

    const stopped = supervisor.stop()
    finish(fakeServer(close))
    await stopped

    expect(close).toHaveBeenCalledTimes(1)
    await expect(handlers['app:status'](undefined)).resolves.toMatchObject({
      database: { reachable: false, detail: 'the dispatch server is shutting down' },
    })
  })

  it('does not retry a failed start once quitting has begun', async () => {
    const start = vi.fn(() => Promise.reject(refused()))
    const { supervisor, handlers } = supervise(start)
    await supervisor.start()
    await supervisor.stop()

    await handlers['app:status'](undefined)
    expect(start).toHaveBeenCalledTimes(1)
  })
})

describe('the status of a server that could not start', () => {
  it('names the embedded cluster by its data directory', () => {
    const status = failedStartStatus(new Error('initdb failed'), {
      ...configured,
      databaseUrl: null,
    })
    expect(status.database).toMatchObject({
      mode: 'embedded',
      location: '/var/lib/bay-wheels-balancer',
      detail: 'initdb failed',
    })
  })

  it('still answers when the settings themselves could not be read', () => {
    const status = failedStartStatus(new Error('settings.json is not valid JSON'), null, {})
    expect(status.database).toMatchObject({
      mode: 'embedded',
      reachable: false,
      detail: 'settings.json is not valid JSON',
    })
  })

  it('words a refused connection to localhost, which pg reports with an empty message', () => {
    const error = new AggregateError(
      [
        new Error('connect ECONNREFUSED ::1:5432'),
        new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      ],
      '',
    )
    expect(describeError(error)).toBe(
      'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    )
  })
})
