import type {
  Heartbeat,
  PairRequest,
  ProblemRequest,
  ReleaseReasonCode,
  StartShiftRequest,
} from '../shared/crew-api'

/**
 * The routes the phone uses (CREW-API.md), typed. Types only come from src/shared: the phone does
 * not validate the server's answers with zod, which would cost 50 kB of a 150 kB budget for a
 * server that is ours. Every call sends the device token; none ever shows it.
 */

/** An answer that was not 2xx: the status and the server's `{detail, code}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string | null,
  ) {
    super(`${status} ${detail}`)
    this.name = 'ApiError'
  }
}

/** fetch itself failed: no network, a dead spot, the VPN down. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause))
    this.name = 'NetworkError'
  }
}

export interface Call {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  idempotencyKey?: string
}

/** Sends one call with the token; the parsed JSON answer, or ApiError / NetworkError. */
export async function send<T>(call: Call, token: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  if (call.body !== undefined) headers['content-type'] = 'application/json'
  if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey
  let response: Response
  try {
    response = await fetch(call.path, {
      method: call.method,
      headers,
      body: call.body === undefined ? null : JSON.stringify(call.body),
      cache: 'no-store',
    })
  } catch (error) {
    throw new NetworkError(error)
  }
  const text = await response.text().catch(() => '')
  if (!response.ok) {
    let detail = text.slice(0, 300) || response.statusText
    let code: string | null = null
    try {
      const parsed = JSON.parse(text) as { detail?: unknown; code?: unknown }
      if (typeof parsed.detail === 'string') detail = parsed.detail
      if (typeof parsed.code === 'string') code = parsed.code
    } catch {
      // Not JSON (a proxy's error page): keep the text.
    }
    throw new ApiError(response.status, detail, code)
  }
  return (text ? JSON.parse(text) : null) as T
}

/** The calls, by what the crew does. Actions that are queued are described, not sent, here. */
export const calls = {
  pair: (body: PairRequest): Call => ({ method: 'POST', path: '/crew/pair', body }),
  me: (): Call => ({ method: 'GET', path: '/crew/me' }),
  startShift: (body: StartShiftRequest): Call => ({
    method: 'POST',
    path: '/crew/shift/start',
    body,
  }),
  endShift: (bikes_on_board: number): Call => ({
    method: 'POST',
    path: '/crew/shift/end',
    body: { bikes_on_board },
  }),
  claim: (idempotencyKey: string): Call => ({
    method: 'POST',
    path: '/dispatch/next',
    body: {},
    idempotencyKey,
  }),
  task: (): Call => ({ method: 'GET', path: '/crew/task' }),
  heartbeat: (body: Heartbeat): Call => ({ method: 'POST', path: '/crews/heartbeat', body }),
  pickup: (taskId: number, qty_picked: number): Call => ({
    method: 'POST',
    path: `/task/${taskId}/pickup`,
    body: { qty_picked },
  }),
  complete: (taskId: number, qty_moved: number): Call => ({
    method: 'POST',
    path: `/task/${taskId}/complete`,
    body: { qty_moved },
  }),
  release: (taskId: number, reason: string, reason_code: ReleaseReasonCode): Call => ({
    method: 'POST',
    path: `/task/${taskId}/release`,
    body: { reason, reason_code },
  }),
  problem: (body: ProblemRequest): Call => ({ method: 'POST', path: '/problems', body }),
}

export type * from '../shared/crew-api'
