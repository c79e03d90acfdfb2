import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ChangeListener, NotifyHub } from '../../src/server/events/notify-hub.js'
import { afterPollsJob } from '../../src/server/jobs/after-polls.js'
import { silentLogger } from '../../src/server/logger.js'

function fakeHub() {
  const listeners = new Set<ChangeListener>()
  const hub: NotifyHub = {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () => Promise.resolve(),
  }
  const poll = (payload: object | string) => {
    for (const listener of listeners) {
      listener({
        channel: 'station_status',
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      })
    }
  }
  return { hub, poll, listeners }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('a job that follows the polls', () => {
  it('runs at start, after the polls it wants (at most once per gap), on its interval, and stops', async () => {
    vi.useFakeTimers()
    const { hub, poll, listeners } = fakeHub()
    let runs = 0
    const job = afterPollsJob({
      name: 'test',
      events: hub,
      logger: silentLogger(),
      everyMs: 300_000,
      afterPollGapMs: 60_000,
      wants: (notice) => notice.outcome === 'ok',
      run: () => {
        runs += 1
        return Promise.resolve()
      },
    })
    const stop = await job.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toBe(1)

    // Polls it does not want ask for nothing; the first it wants waits out the gap since the last run.
    poll({ outcome: 'error' })
    poll({ outcome: 'ok' })
    poll({ outcome: 'ok' })
    await vi.advanceTimersByTimeAsync(59_000)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(runs).toBe(2)

    // A notice it cannot read asks for a run rather than being lost.
    poll('not json')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(runs).toBe(3)

    await vi.advanceTimersByTimeAsync(300_000)
    expect(runs).toBe(4)

    await stop()
    expect(listeners.size).toBe(0)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(runs).toBe(4)
  })
})
