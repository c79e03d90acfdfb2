import type { Services } from '../../src/server/services.js'

/** A service whose every method fails the test that calls it unexpectedly. */
function unexpected(name: string): never {
  return new Proxy(
    {},
    {
      get: (_target, method) => () =>
        Promise.reject(new Error(`${name}.${String(method)} was not expected in this test`)),
    },
  ) as never
}

/** Services for HTTP tests that need only some of them; the rest refuse to be called. */
export function fakeServices(given: Partial<Services>): Services {
  return {
    status: given.status ?? unexpected('status'),
    // Anonymous unless a test gives an auth service: every token is unknown.
    auth: given.auth ?? {
      authenticate: () => Promise.resolve(null),
      createToken: () => Promise.reject(new Error('auth.createToken was not expected')),
      listTokens: () => Promise.reject(new Error('auth.listTokens was not expected')),
      revokeToken: () => Promise.reject(new Error('auth.revokeToken was not expected')),
      forget: () => undefined,
    },
    signIn: given.signIn ?? unexpected('signIn'),
    dispatch: given.dispatch ?? unexpected('dispatch'),
    crews: given.crews ?? unexpected('crews'),
    feeds: given.feeds ?? unexpected('feeds'),
    trips: given.trips ?? unexpected('trips'),
    flows: given.flows ?? unexpected('flows'),
    settings: given.settings ?? unexpected('settings'),
    stations: given.stations ?? unexpected('stations'),
    tiles: given.tiles ?? unexpected('tiles'),
    engine: given.engine ?? unexpected('engine'),
    serviceLevels: given.serviceLevels ?? unexpected('serviceLevels'),
    statusImports: given.statusImports ?? unexpected('statusImports'),
    crewAccess: given.crewAccess ?? {
      db: unexpected('crewAccess.db'),
      auth: { forget: () => undefined },
      access: () => null,
    },
    // No database: the work runs as if no Idempotency-Key had been sent.
    idempotency: given.idempotency ?? { answer: (_request, work) => work() },
    crewWork: given.crewWork ?? {
      db: unexpected('crewWork.db'),
      leaseMs: 0,
      now: () => new Date(),
    },
    db: given.db ?? unexpected('db'),
  }
}
