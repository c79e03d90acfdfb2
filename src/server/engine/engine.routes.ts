import { engineRunRequestSchema, engineRunSummarySchema } from '../../shared/engine.js'
import { ApiRouter } from '../http/api-router.js'
import type { EngineService } from './engine.service.js'

/** The engine on demand: the same run the scheduled job and `balancer suggest` make. */
export function engineRoutes(engine: EngineService): ApiRouter {
  const api = new ApiRouter()
  api.channelEndpoint(
    'suggestions:run',
    engine,
    {
      method: 'post',
      path: '/suggestions/run',
      tag: 'suggestions',
      summary: 'Run the suggestion engine now',
      description:
        "Fits the demand model again if trips newer than it were imported, suggests moves for the stations' latest status, and supersedes the engine's own previous open suggestions (never a dispatcher's or an outside engine's). Answers with what it did. The new suggestions and the superseding of the old ones commit together: a run that fails leaves the previous suggestions open and adds none. One run per system and policy at a time, across consoles: while one runs, another answers 409 (code engine_busy) at once.",
      access: ['dispatcher', 'engine'],
      body: engineRunRequestSchema,
      response: engineRunSummarySchema,
      errors: [409, 422],
    },
    (run, { body, actor }) => run(body, { trigger: 'http', actor }),
  )
  return api
}
