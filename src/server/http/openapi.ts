import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import express, { Router } from 'express'
import { z } from 'zod'
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi'
import { APP_VERSION, SERVICE_MESSAGE } from '../../shared/version.js'
import type { EndpointSpec } from './api-router.js'
import { IDEMPOTENCY_DESCRIPTION, idempotencyHeaderSchema, REPLAYED_HEADER } from './idempotency.js'

export const errorSchema = z
  .object({
    detail: z.string().meta({ description: 'What went wrong, naming the field at fault.' }),
    code: z.string().meta({ description: 'Machine-readable: invalid_request, forbidden, ...' }),
  })
  .meta({ id: 'Error', description: "The seed's error shape, with a code beside it." })

const ERROR_WORDS: Record<number, string> = {
  400: 'Malformed request: detail names the field',
  401: 'No token, or an unknown or revoked one',
  403: "The token's role may not do this, or the task is another crew's",
  404: 'Not found',
  409: 'The task or suggestion is not in a state that allows this',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Refers to something that does not exist (a station, a system)',
  429: 'Rate limited',
  503: 'Database unavailable; retry shortly',
}

function operation(spec: EndpointSpec): ZodOpenApiOperationObject {
  const access = spec.access
  const isPublic = access === 'public'
  const errors = new Set<number>([
    ...(spec.params || spec.query || spec.body ? [400] : []),
    ...(isPublic ? [] : [401, 403]),
    429,
    ...(spec.body ? [413, 415] : []),
    ...(spec.errors ?? []),
    ...(spec.idempotent ? [422] : []),
  ])
  const roles = access === 'public' ? 'Anyone.' : `Roles: ${[...access].sort().join(', ')}.`
  // A retry-safe route says so after its own words.
  const words = [spec.description, spec.idempotent ? IDEMPOTENCY_DESCRIPTION : undefined]
    .filter(Boolean)
    .join(' ')
  const success: ZodOpenApiResponseObject = {
    description: spec.responseDescription ?? 'OK',
  }
  if (spec.idempotent) {
    success.headers = z.object({
      [REPLAYED_HEADER]: z.literal('true').optional().meta({
        description:
          'This is the first answer to an earlier request with the same Idempotency-Key.',
      }),
    })
  }
  if (spec.response) {
    success.content = {
      'application/json': { schema: spec.response },
      ...Object.fromEntries(
        (spec.alsoProduces ?? []).map((type) => [type, { schema: z.string() }]),
      ),
    }
  }
  return {
    summary: spec.summary,
    description: [words, roles].filter(Boolean).join('\n\n'),
    tags: [spec.tag],
    security: isPublic ? [] : [{ bearer: [] }],
    ...(spec.params || spec.query || spec.idempotent
      ? {
          requestParams: {
            ...(spec.params ? { path: spec.params as z.ZodObject } : {}),
            ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
            ...(spec.idempotent ? { header: idempotencyHeaderSchema } : {}),
          },
        }
      : {}),
    ...(spec.body
      ? { requestBody: { content: { 'application/json': { schema: spec.body } } } }
      : {}),
    responses: {
      [String(spec.status ?? 200)]: success,
      ...Object.fromEntries(
        [...errors].sort().map((status) => [
          String(status),
          {
            description:
              spec.idempotent && status === 422
                ? `${spec.errors?.includes(422) ? `${ERROR_WORDS[422] ?? ''}, or the` : 'The'} Idempotency-Key was first sent with another route or body`
                : (ERROR_WORDS[status] ?? 'Error'),
            content: { 'application/json': { schema: errorSchema } },
          },
        ]),
      ),
    },
  }
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(
  endpoints: readonly EndpointSpec[],
): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {}
  for (const spec of endpoints) {
    const item = (paths[spec.path] ??= {})
    item[spec.method] = operation(spec)
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: SERVICE_MESSAGE,
      version: APP_VERSION,
      description:
        'Crews claim and complete rebalancing tasks; dispatchers approve suggestions into tasks. ' +
        'Every route but the public ones needs "Authorization: Bearer <token>" ' +
        '(balancer token create --role crew|dispatcher|analyst|engine).',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token from balancer token create',
        },
      },
    },
    paths,
  })
}

const require = createRequire(import.meta.url)

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`))
}

// The pages load their scripts from here, so the API's CSP allows no inline script; Redoc draws
// with inline styles and a blob: worker.
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
].join('; ')

const page = (title: string, head: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">${head}</head>
<body>${body}</body></html>`

/**
 * GET /openapi.json, /docs (Swagger UI) and /redoc, as the seed's FastAPI had them. Both UIs come
 * from npm packages and are served from here: the depot LAN may have no internet.
 */
export function docsRoutes(document: () => unknown): Router {
  const router = Router()
  let cached: unknown = null
  router.get('/openapi.json', (_req, res) => {
    cached ??= document()
    res.json(cached)
  })
  router.use('/docs', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP)
    next()
  })
  router.use('/redoc', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP)
    next()
  })
  router.get('/docs', (_req, res) => {
    res
      .type('html')
      .send(
        page(
          `${SERVICE_MESSAGE}: API`,
          '<link rel="stylesheet" href="/docs/assets/swagger-ui.css">',
          '<div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>' +
            '<script src="/docs/init.js"></script>',
        ),
      )
  })
  router.get('/docs/init.js', (_req, res) => {
    res
      .type('application/javascript')
      .send(
        "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true })\n",
      )
  })
  router.use(
    '/docs/assets',
    express.static(packageDir('swagger-ui-dist'), { index: false, maxAge: '1d' }),
  )
  router.get('/redoc', (_req, res) => {
    res
      .type('html')
      .send(
        page(
          `${SERVICE_MESSAGE}: API reference`,
          '<style>body{margin:0}</style>',
          '<redoc spec-url="/openapi.json"></redoc><script src="/redoc/redoc.standalone.js"></script>',
        ),
      )
  })
  router.get('/redoc/redoc.standalone.js', (_req, res) => {
    res.sendFile(join(packageDir('redoc'), 'bundles', 'redoc.standalone.js'), { maxAge: '1d' })
  })
  return router
}
