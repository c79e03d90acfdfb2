import {
  isHttp,
  mergeParts,
  OPERATIONS,
  type HttpParts,
  type OperationSpec,
} from '../../shared/operations/index.js'
import { ApiRouter } from '../http/api-router.js'
import type { FailedAuthGuard } from '../http/failed-auth.guard.js'
import type { Services } from '../services.js'
import type { HttpCall, HttpContext } from './context.js'
import { implementationOf } from './index.js'

/**
 * The HTTP route of every declared operation that has one, in declaration order: the request is
 * validated with the route's schemas (400 naming the field), the caller's role checked (401/403),
 * the input made from the parts (the declaration's `fromHttp`, else merged) and handed to the
 * operation's implementation. Errors become `{detail, code}` in src/server/http/errors.ts.
 */
export function operationRoutes(
  services: Services,
  guard: FailedAuthGuard | null = null,
): ApiRouter {
  const api = new ApiRouter()
  for (const op of OPERATIONS as readonly OperationSpec[]) {
    const { route } = op
    if (!isHttp(route)) continue
    const implementation = implementationOf(op.name)
    if (!implementation) throw new Error(`${op.name} has a route but no implementation`)
    api.operation({ ...op, route }, ({ req, res, params, query, body, actor }) => {
      const http: HttpCall = { req, res, params, query, body }
      const context: HttpContext = {
        actor,
        services,
        edge: 'http',
        http,
        guard,
        emit: () => undefined,
        once: (work, status) =>
          route.idempotent && actor
            ? services.idempotency.answer({ req, res, actor, body }, work, status)
            : work(),
      }
      if (implementation.http) return implementation.http(context)
      // Only a public operation runs without a token, and every public one answers in `http`.
      if (!actor) throw new Error(`${op.name}: public, but no http implementation`)
      const parts: HttpParts = {
        params: params as object | undefined,
        query: query as object | undefined,
        body,
      }
      const input = route.fromHttp ? route.fromHttp(parts) : mergeParts(route, parts)
      return implementation.run(input as never, { ...context, actor })
    })
  }
  return api
}
