import type { Services } from '../../src/server/services.js'

/**
 * The services a test gives, and for every other one a stand-in whose methods fail the test
 * loudly when called: routes built for a test may look a service up, never use it unasked.
 */
export function servicesWith(given: Partial<Services>): Services {
  return new Proxy(given, {
    get(target, name) {
      const service: unknown = Reflect.get(target, name)
      if (service !== undefined || typeof name === 'symbol') return service
      return new Proxy(
        {},
        {
          get: (_service, method) => () => {
            throw new Error(`${name}.${String(method)} is not used by this test`)
          },
        },
      )
    },
  }) as Services
}
