import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Request, type Response } from 'express'
import type {
  CrewMe,
  CrewTask,
  ProblemRequest,
  Shift,
  StartShiftRequest,
  TaskStation,
} from '../../src/shared/crew-api.js'
import { crewRoutes } from '../../src/server/http/crew.routes.js'

/**
 * The crew API of CREW-API.md in memory, good enough to drive the phone app: the real static
 * serving of out/crew (crewRoutes, compression and caching included) in front of fake routes
 * that count what they apply. Idempotency-Key replays the first answer, as the real server does.
 */
export const PAIR_CODE = 'K7M2P9QXRT'
export const TOKEN = 'bwb_fake_device_token_never_shown_0123456789abcdef'

export const FROM: TaskStation = {
  station_id: '8f3c1d2e-0b7a-4c55-9d61-6a0e3b2f9c11',
  name: 'Folsom St at 3rd St',
  short_name: 'SF-F30',
  lat: 37.7841,
  lon: -122.3985,
  bikes: 19,
  docks: 4,
  capacity: 23,
  reported_at: new Date().toISOString(),
  stale: false,
}
export const TO: TaskStation = {
  station_id: '2a9e4b71-5c3d-4e8f-a0b2-7d6c1e9f3a44',
  name: 'Valencia St at 16th St',
  short_name: 'SF-G27',
  lat: 37.7651,
  lon: -122.4219,
  bikes: 1,
  docks: 18,
  capacity: 19,
  reported_at: new Date().toISOString(),
  stale: false,
}

export interface FakeCrewServer {
  url: string
  /** Requests by route ("POST /task/:id/complete"), whether applied or replayed. */
  requests: Map<string, number>
  /** Requests answered from an Idempotency-Key's first answer, by route. */
  replayed: Map<string, number>
  /** State changes actually applied (a replay adds none). */
  applied: {
    pickups: number[]
    completions: { id: number; qty_moved: number }[]
    releases: unknown[]
  }
  problems: ProblemRequest[]
  heartbeats: { lat?: number; lon?: number; battery?: number }[]
  shifts: Shift[]
  paired: boolean
  /** Sends an event to every open GET /crew/events stream. */
  push(event: string, data: unknown): void
  /** Signs the device out: its token stops working. */
  revoke(): void
  /** The next `count` calls to `route` answer 503 (a database restart). */
  failNext(route: string, count: number): void
  /** The next call to `route` is applied, then its answer is lost (the connection drops). */
  loseNextAnswer(route: string): void
  /**
   * A dead spot at the server's end too: every new request's connection is dropped. Chromium's
   * offline emulation does not reach a service worker's own fetches, so a test of the phone in a
   * tunnel sets both.
   */
  setDeadSpot(on: boolean): void
  close(): Promise<void>
}

export async function startFakeCrewServer(crewDir: string): Promise<FakeCrewServer> {
  let tokenValid = true
  let codeUsed = false
  let shift: Shift | null = null
  let task: (CrewTask & { qty_picked: number | null }) | null = null
  let nextId = 41
  const replies = new Map<string, { status: number; body: unknown }>()
  const streams = new Set<Response>()
  const failures = new Map<string, number>()
  const losing = new Set<string>()
  let deadSpot = false
  const state: FakeCrewServer = {
    url: '',
    requests: new Map(),
    replayed: new Map(),
    applied: { pickups: [], completions: [], releases: [] },
    problems: [],
    heartbeats: [],
    shifts: [],
    paired: false,
    push: (event, data) => {
      // The dispatcher's cancel: the task is canceled on the server before the phone hears it.
      if (event === 'task' && task && (data as { change?: string }).change === 'canceled') {
        task.status = 'canceled'
      }
      for (const res of streams) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    },
    revoke: () => {
      tokenValid = false
      state.push('signed_out', {})
    },
    failNext: (route, count) => failures.set(route, count),
    loseNextAnswer: (route) => losing.add(route),
    setDeadSpot: (on) => {
      deadSpot = on
    },
    close: () => Promise.resolve(),
  }

  const app = express()
  app.use((req, _res, next) => {
    if (deadSpot) req.socket.destroy()
    else next()
  })
  app.use(crewRoutes(crewDir))
  app.use(express.json({ limit: '4mb' }))

  const count = (route: string) => state.requests.set(route, (state.requests.get(route) ?? 0) + 1)
  /** A crew route: counts it, checks the token, replays an Idempotency-Key's first answer. */
  const route =
    (name: string, handler: (req: Request) => { status: number; body: unknown }) =>
    (req: Request, res: Response) => {
      count(name)
      const failing = failures.get(name) ?? 0
      if (failing > 0) {
        failures.set(name, failing - 1)
        res
          .status(503)
          .json({ detail: 'the database is unavailable', code: 'database_unavailable' })
        return
      }
      if (
        name !== 'POST /crew/pair' &&
        (!tokenValid || req.get('authorization') !== `Bearer ${TOKEN}`)
      ) {
        res.status(401).json({ detail: 'invalid or revoked token', code: 'unauthorized' })
        return
      }
      const key = req.get('idempotency-key')
      const first = key ? replies.get(`${name} ${key}`) : undefined
      if (first) {
        state.replayed.set(name, (state.replayed.get(name) ?? 0) + 1)
        res.status(first.status).set('Idempotent-Replayed', 'true').json(first.body)
        return
      }
      const answer = handler(req)
      if (key && answer.status < 500) replies.set(`${name} ${key}`, answer)
      if (losing.delete(name)) {
        res.socket?.destroy()
        return
      }
      res.status(answer.status).json(answer.body)
    }
  const refuse = (status: number, detail: string, code: string) => ({
    status,
    body: { detail, code },
  })
  /** The real schemas are strict: a field they do not know is a 400 naming it. */
  const unknownField = (body: unknown, known: string[]) =>
    Object.keys(body as object).find((field) => !known.includes(field))
  const heldTask = (id: string | undefined) =>
    task && String(task.id) === id && task.status === 'assigned' ? task : null

  app.post(
    '/crew/pair',
    route('POST /crew/pair', (req) => {
      const { code } = req.body as { code?: string }
      if (code !== PAIR_CODE || codeUsed)
        return refuse(400, 'this pairing code is unknown, used or expired', 'pairing_code_invalid')
      codeUsed = true
      state.paired = true
      return {
        status: 201,
        body: { token: TOKEN, crew_id: 'van-3', crew_name: 'Van 3 (Mission)', device_id: 7 },
      }
    }),
  )
  app.get(
    '/crew/me',
    route('GET /crew/me', () => {
      const me: CrewMe = {
        crew_id: 'van-3',
        crew_name: 'Van 3 (Mission)',
        device_id: 7,
        van_capacity: 12,
        shift,
        bikes_moved_today: 0,
      }
      return { status: 200, body: me }
    }),
  )
  app.post(
    '/crew/shift/start',
    route('POST /crew/shift/start', (req) => {
      const body = req.body as StartShiftRequest
      const extra = unknownField(body, ['van_capacity', 'bikes_on_board', 'lat', 'lon'])
      if (extra) return refuse(400, `body.${extra}: is not a known field`, 'invalid_request')
      shift ??= {
        shift_id: state.shifts.length + 1,
        crew_id: 'van-3',
        started_at: new Date().toISOString(),
        ended_at: null,
        van_capacity: body.van_capacity,
        bikes_on_board: body.bikes_on_board,
        bikes_moved: 0,
      }
      if (!state.shifts.includes(shift)) state.shifts.push(shift)
      return { status: 200, body: shift }
    }),
  )
  app.post(
    '/crew/shift/end',
    route('POST /crew/shift/end', (req) => {
      if (!shift) return refuse(409, 'no open shift', 'no_open_shift')
      shift.ended_at = new Date().toISOString()
      shift.bikes_on_board = (req.body as { bikes_on_board: number }).bikes_on_board
      const ended = shift
      shift = null
      return { status: 200, body: ended }
    }),
  )
  app.post(
    '/crews/heartbeat',
    route('POST /crews/heartbeat', (req) => {
      state.heartbeats.push(req.body as FakeCrewServer['heartbeats'][number])
      return { status: 200, body: { ok: true } }
    }),
  )
  app.post(
    '/dispatch/next',
    route('POST /dispatch/next', () => {
      if (task?.status === 'assigned') return { status: 200, body: { ...task, already_held: true } }
      const now = new Date().toISOString()
      task = {
        id: nextId++,
        from_station_id: FROM.station_id,
        to_station_id: TO.station_id,
        qty: 5,
        reason: 'Folsom St at 3rd St fills up by 9 am; Valencia St at 16th St runs empty',
        status: 'assigned',
        worker_id: 'van-3',
        created_at: now,
        system_id: 'bay_wheels',
        priority: 40,
        qty_moved: null,
        note: null,
        suggestion_id: 9,
        assigned_at: now,
        completed_at: null,
        canceled_at: null,
        updated_at: now,
        lease_expires_at: null,
        stale: false,
        for_crew: null,
        from: FROM,
        to: TO,
        distance_m: 850,
        qty_picked: null,
      }
      return { status: 200, body: { ...task, already_held: false } }
    }),
  )
  app.get(
    '/crew/task',
    route('GET /crew/task', () => ({
      status: 200,
      body: { task: task?.status === 'assigned' ? task : null },
    })),
  )
  app.post(
    '/task/:id/pickup',
    route('POST /task/:id/pickup', (req) => {
      const held = heldTask(req.params.id as string)
      if (!held) return refuse(409, 'the task is not assigned to this crew', 'task_not_assigned')
      held.qty_picked = (req.body as { qty_picked: number }).qty_picked
      state.applied.pickups.push(held.qty_picked)
      return { status: 200, body: held }
    }),
  )
  app.post(
    '/task/:id/complete',
    route('POST /task/:id/complete', (req) => {
      const held = heldTask(req.params.id as string)
      if (!held)
        return refuse(
          409,
          `task ${String(req.params.id)} is not assigned: it was canceled`,
          'task_not_assigned',
        )
      const { qty_moved } = req.body as { qty_moved: number }
      if (shift && qty_moved > shift.van_capacity)
        return refuse(
          422,
          `qty_moved: at most ${shift.van_capacity}, the van's capacity`,
          'qty_over_limit',
        )
      held.status = 'completed'
      held.qty_moved = qty_moved
      state.applied.completions.push({ id: held.id, qty_moved })
      if (shift) shift.bikes_moved += qty_moved
      return { status: 200, body: held }
    }),
  )
  app.post(
    '/task/:id/release',
    route('POST /task/:id/release', (req) => {
      const held = heldTask(req.params.id as string)
      if (!held) return refuse(409, 'the task is not assigned to this crew', 'task_not_assigned')
      held.status = 'ready'
      state.applied.releases.push(req.body)
      return { status: 200, body: held }
    }),
  )
  app.post(
    '/problems',
    route('POST /problems', (req) => {
      const body = req.body as ProblemRequest
      const extra = unknownField(body, ['station_id', 'system_id', 'kind', 'note', 'photo'])
      if (extra) return refuse(400, `body.${extra}: is not a known field`, 'invalid_request')
      state.problems.push(body)
      return {
        status: 201,
        body: {
          problem_id: state.problems.length,
          station_id: body.station_id,
          kind: body.kind,
          has_photo: Boolean(body.photo),
        },
      }
    }),
  )
  app.get('/crew/events', (req, res) => {
    count('GET /crew/events')
    if (!tokenValid || req.get('authorization') !== `Bearer ${TOKEN}`) {
      res.status(401).json({ detail: 'invalid or revoked token', code: 'unauthorized' })
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.write(': hello\n\n')
    streams.add(res)
    req.on('close', () => streams.delete(res))
  })
  const server: Server = createServer(app)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise((done) => {
      for (const res of streams) res.end()
      server.closeAllConnections()
      server.close(() => done())
    })
  return state
}
