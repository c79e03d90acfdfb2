import { describe, expect, it, vi } from 'vitest'
import { demoDispatcherToken, demoTrips, seedDemo } from '../../src/server/cli/demo.js'
import type { TokenInfo } from '../../src/shared/dispatch.js'
import type { FeedsHealth } from '../../src/shared/feeds.js'
import type { TripImportReport } from '../../src/shared/trips.js'
import type { EngineRunSummary } from '../../src/shared/engine.js'
import type { Services } from '../../src/server/services.js'

function health(stationCount: number | null): FeedsHealth {
  return {
    leader: 'here',
    pollingHere: true,
    stale: false,
    checkedAt: '2026-11-22T10:00:00Z',
    feeds: [{ systemId: 'demo_bay', stationCount } as FeedsHealth['feeds'][number]],
  }
}

const imported: TripImportReport = {
  systemId: 'demo_bay',
  timeZone: 'America/Los_Angeles',
  stationsLoaded: null,
  systemCreated: false,
  remapped: null,
  outcomes: [
    {
      status: 'already-imported',
      file: 'trips.csv.gz',
      importId: 1,
      systemId: 'demo_bay',
      importedAt: '2026-11-21T09:00:00Z',
      rowsImported: 106_718,
    },
  ],
}

function fakes(healths: FeedsHealth[]) {
  const feeds = { health: vi.fn(() => Promise.resolve(healths.shift() ?? health(517))) }
  const trips = { importFiles: vi.fn(() => Promise.resolve(imported)) }
  const engine = {
    run: vi.fn(() => Promise.resolve({ created: 7, note: null } as unknown as EngineRunSummary)),
  }
  const statusImports = {
    importFile: vi.fn(() =>
      Promise.resolve({
        status: 'imported',
        file: 'station_status.csv.gz',
        days: { from: '2023-07-10', to: '2023-07-17' },
      }),
    ),
  }
  const services = { feeds, trips, engine, statusImports } as unknown as Pick<
    Services,
    'feeds' | 'trips' | 'engine' | 'statusImports'
  >
  return { services, feeds, trips, engine, statusImports }
}

describe('serve --demo seeding', () => {
  it('waits for the first poll, imports the month into the polled system, then runs the engine', async () => {
    const { services, trips, engine } = fakes([health(null), health(0), health(517)])
    const lines: string[] = []
    await seedDemo(services, '/data/trips.csv.gz', (line) => lines.push(line))
    expect(trips.importFiles).toHaveBeenCalledWith({
      paths: ['/data/trips.csv.gz'],
      systemId: 'demo_bay',
    })
    expect(engine.run).toHaveBeenCalledWith({ system_id: 'demo_bay' }, expect.anything())
    expect(lines).toEqual([
      'Demo trips: trips.csv.gz was imported before (2026-11-21T09:00:00Z)',
      'Demo engine: 7 suggestions for demo_bay',
    ])
  })

  it('also loads the replayed week as the history it is, for the Service page', async () => {
    const { services, statusImports } = fakes([health(517)])
    const lines: string[] = []
    await seedDemo(services, '/data/trips.csv.gz', (line) => lines.push(line), {
      history: '/data/station_status.csv.gz',
    })
    expect(statusImports.importFile).toHaveBeenCalledWith({
      path: '/data/station_status.csv.gz',
      systemId: 'demo_bay',
    })
    expect(lines.at(-1)).toBe(
      'Demo service levels: the recorded week imported as status history (2023-07-10 to 2023-07-16); see Service',
    )
  })

  it('imports nothing when no stations arrive in time, and says so', async () => {
    const { services, trips } = fakes(Array.from({ length: 100 }, () => health(null)))
    const lines: string[] = []
    await seedDemo(services, '/data/trips.csv.gz', (line) => lines.push(line), { timeoutMs: 50 })
    expect(trips.importFiles).not.toHaveBeenCalled()
    expect(lines).toEqual(['Demo trips: no stations polled within a minute; not importing trips'])
  })

  it('reports a failed import and leaves the demo running', async () => {
    const { services, trips, engine } = fakes([])
    trips.importFiles.mockRejectedValueOnce(new Error('disk full'))
    const lines: string[] = []
    await seedDemo(services, '/data/trips.csv.gz', (line) => lines.push(line))
    expect(engine.run).not.toHaveBeenCalled()
    expect(lines).toEqual(['Demo trips: disk full'])
  })

  it('finds the month only where the shared data is', () => {
    expect(demoTrips({ BALANCER_SHARED_DATA: '/nowhere' })).toBeNull()
  })

  it("revokes the previous demo's dispatcher token before printing a new one", async () => {
    const token = (token_id: number, name: string, role: TokenInfo['role']) =>
      ({ token_id, name, role }) as TokenInfo
    const auth = {
      listTokens: vi.fn(() =>
        Promise.resolve([
          token(1, 'Demo dispatcher', 'dispatcher'),
          token(2, 'Depot desk 1', 'dispatcher'),
          token(3, 'Demo dispatcher', 'crew'),
        ]),
      ),
      revokeToken: vi.fn((id: number) =>
        Promise.resolve(token(id, 'Demo dispatcher', 'dispatcher')),
      ),
      createToken: vi.fn(() => Promise.resolve({ token: 'bwb_new' })),
    }
    expect(await demoDispatcherToken(auth as unknown as Services['auth'])).toBe('bwb_new')
    expect(auth.revokeToken.mock.calls.map(([id]) => id)).toEqual([1])
    expect(auth.createToken).toHaveBeenCalledWith(
      { name: 'Demo dispatcher', role: 'dispatcher' },
      expect.anything(),
    )
  })
})
