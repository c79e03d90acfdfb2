import { describe, expect, it } from 'vitest'
import { ApiError, calls, NetworkError, type Call } from '../../src/crew/api'
import { parseEvents } from '../../src/crew/events'
import { Outbox, type OutboxOptions } from '../../src/crew/outbox'
import { memoryStore } from '../../src/crew/storage'

/** A server that answers each call with the next of `answers` (a value, or an error to throw). */
function server(answers: unknown[] = []) {
  const seen: Call[] = []
  return {
    seen,
    send: (call: Call) => {
      seen.push(call)
      const answer = answers.shift()
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? {})
    },
  }
}

/** Timers the test fires by hand: a retry happens when the test says so. */
function manualTimers() {
  const pending: { run: () => void; ms: number }[] = []
  return {
    pending,
    options: {
      setTimer: (run: () => void, ms: number) => pending.push({ run, ms }),
      clearTimer: () => pending.splice(0),
    } satisfies Partial<OutboxOptions>,
    /** Runs the due retries and waits for the sends they start. */
    fire: async () => {
      for (const { run } of pending.splice(0)) run()
      await new Promise((done) => setTimeout(done, 0))
    },
  }
}

describe('the crew phone outbox', () => {
  it('sends actions in the order they were tapped, each with its own Idempotency-Key', async () => {
    const api = server()
    const outbox = new Outbox(memoryStore(), { send: api.send })
    await outbox.load()
    await outbox.add('pickup', calls.pickup(41, 4), 'Picked up', 41)
    await outbox.add('complete', calls.complete(41, 4), 'Complete', 41)
    await outbox.add(
      'problem',
      calls.problem({ station_id: 'a', kind: 'vandalism' }),
      'Problem',
      null,
    )
    await outbox.flush()

    expect(api.seen.map((call) => call.path)).toEqual([
      '/task/41/pickup',
      '/task/41/complete',
      '/problems',
    ])
    const keys = api.seen.map((call) => call.idempotencyKey)
    expect(new Set(keys).size).toBe(3)
    for (const key of keys)
      expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(outbox.list()).toEqual([])
  })

  it('keeps the head through network errors and 5xx, and retries it with the same key', async () => {
    const api = server([
      new NetworkError('offline'),
      new ApiError(503, 'database down', null),
      { id: 41 },
    ])
    const timers = manualTimers()
    const sent: string[] = []
    const outbox = new Outbox(memoryStore(), {
      send: api.send,
      onSent: (item) => sent.push(item.label),
      backoffMs: (attempts) => attempts * 1000,
      ...timers.options,
    })
    await outbox.load()
    await outbox.add('complete', calls.complete(41, 5), 'Complete: 5', 41)
    await outbox.flush()
    expect(outbox.list()[0]).toMatchObject({ attempts: 1, error: null })
    expect(timers.pending.map((timer) => timer.ms)).toEqual([1000])

    // The backoff timer fires (a flush, as the browser's online event also does).
    await timers.fire()
    expect(outbox.list()[0]).toMatchObject({ attempts: 2, error: null })
    expect(timers.pending.map((timer) => timer.ms)).toEqual([2000])

    await timers.fire()
    expect(api.seen).toHaveLength(3)
    expect(new Set(api.seen.map((call) => call.idempotencyKey)).size).toBe(1)
    expect(sent).toEqual(['Complete: 5'])
    expect(outbox.list()).toEqual([])
  })

  it('loses nothing on a reload: a new page sends what the old one left, with the old keys', async () => {
    const saved = new Map<string, unknown>()
    const offline = server([new NetworkError('offline'), new NetworkError('offline')])
    const before = new Outbox(memoryStore(saved), { send: offline.send, ...manualTimers().options })
    await before.load()
    await before.add('pickup', calls.pickup(41, 4), 'Picked up: 4', 41)
    await before.add('complete', calls.complete(41, 4), 'Complete: 4', 41)
    await before.flush()
    const firstKey = offline.seen[0]?.idempotencyKey

    const online = server()
    const after = new Outbox(memoryStore(saved), { send: online.send })
    const loaded = await after.load()
    expect(loaded.map((item) => item.label)).toEqual(['Picked up: 4', 'Complete: 4'])
    await after.flush()
    expect(online.seen.map((call) => call.path)).toEqual(['/task/41/pickup', '/task/41/complete'])
    expect(online.seen[0]?.idempotencyKey).toBe(firstKey)
    expect(await memoryStore(saved).get('outbox')).toEqual([])
  })

  it('stops at a 4xx with the error in words, until the person retries or drops that action', async () => {
    const api = server([
      new ApiError(422, "qty_moved: at most 12, the van's capacity", 'qty_over_limit'),
      new ApiError(422, "qty_moved: at most 12, the van's capacity", 'qty_over_limit'),
      { problem_id: 1 },
    ])
    const timers = manualTimers()
    const outbox = new Outbox(memoryStore(), { send: api.send, ...timers.options })
    await outbox.load()
    await outbox.add('complete', calls.complete(41, 40), 'Complete: 40', 41)
    await outbox.add('problem', calls.problem({ station_id: 'a', kind: 'other' }), 'Problem', null)
    await outbox.flush()

    expect(api.seen).toHaveLength(1)
    expect(timers.pending).toEqual([])
    expect(outbox.list()[0]?.error).toBe(
      "Too many bikes: at most 12, the van's capacity. Check the count.",
    )
    expect(outbox.list()).toHaveLength(2)

    await outbox.retry()
    expect(api.seen).toHaveLength(2)
    expect(api.seen[1]?.idempotencyKey).toBe(api.seen[0]?.idempotencyKey)
    expect(outbox.list()[0]?.error).not.toBeNull()

    await outbox.discard(outbox.list()[0]?.key ?? '')
    await outbox.flush()
    expect(api.seen.map((call) => call.path)).toEqual([
      '/task/41/complete',
      '/task/41/complete',
      '/problems',
    ])
    expect(outbox.list()).toEqual([])
  })

  it('stops and holds everything on a 401, sending again only when released', async () => {
    const api = server([new ApiError(401, 'invalid or revoked token', 'unauthorized')])
    let signedOut = 0
    const outbox = new Outbox(memoryStore(), {
      send: api.send,
      onSignedOut: () => (signedOut += 1),
    })
    await outbox.load()
    await outbox.add('pickup', calls.pickup(41, 4), 'Picked up', 41)
    await outbox.add('complete', calls.complete(41, 4), 'Complete', 41)
    await outbox.flush()
    expect(signedOut).toBe(1)
    expect(outbox.list().map((item) => item.label)).toEqual(['Picked up', 'Complete'])
    // Held: a flush (the online event, a new action) sends nothing.
    await outbox.flush()
    expect(api.seen).toHaveLength(1)

    await outbox.release()
    expect(api.seen.map((call) => call.path)).toEqual([
      '/task/41/pickup',
      '/task/41/pickup',
      '/task/41/complete',
    ])
    expect(api.seen[1]?.idempotencyKey).toBe(api.seen[0]?.idempotencyKey)
    expect(outbox.list()).toEqual([])
  })
})

describe("the crew event stream's parser", () => {
  it('reads events split across chunks, skipping comments', () => {
    const first = parseEvents(': hello\n\nevent: task\ndata: {"id":41,"status":"canceled",')
    expect(first.events).toEqual([])
    const second = parseEvents(
      `${first.rest}"change":"canceled","reason":"station closed"}\n\nevent: signed_out\ndata: {}\n\n`,
    )
    expect(second.events).toEqual([
      {
        event: 'task',
        data: '{"id":41,"status":"canceled","change":"canceled","reason":"station closed"}',
      },
      { event: 'signed_out', data: '{}' },
    ])
    expect(second.rest).toBe('')
  })
})
