import { ApiError, type Call } from './api'
import { KEYS, newKey, type KeyValue } from './storage'
import { describeError } from './words'

/**
 * The phone's queue of actions that change the server (picked up, complete, can't do, problem
 * reports). Each gets its Idempotency-Key when the person taps, kept with it in IndexedDB, so a
 * reload loses nothing and a retry of an action whose answer was lost is replayed by the server,
 * never applied twice. Sent strictly in order (a completion never overtakes its pick-up):
 * a network error or 5xx leaves the head waiting and tries again with backoff; a 4xx stops the
 * queue with the error in words until the person retries or drops that action.
 */
export type OutboxKind = 'pickup' | 'complete' | 'release' | 'problem'

export interface OutboxItem {
  /** Also the Idempotency-Key the server sees on every try. */
  key: string
  kind: OutboxKind
  call: Call
  /** What is waiting, in words ("Complete: 5 bikes left at Folsom St"). */
  label: string
  taskId: number | null
  queuedAt: string
  attempts: number
  /** Set when the server refused it (4xx): the queue waits for the person. */
  error: string | null
}

export interface OutboxOptions {
  send: (call: Call) => Promise<unknown>
  onChange?: (items: readonly OutboxItem[]) => void
  onSent?: (item: OutboxItem, answer: unknown) => void
  /** A 401: the device was signed out; nothing more can be sent with this token. */
  onSignedOut?: () => void
  /** When to try again after `attempts` failures (default 2, 4, 8 ... s, at most a minute). */
  backoffMs?: (attempts: number) => number
  setTimer?: (run: () => void, ms: number) => unknown
  clearTimer?: (timer: unknown) => void
  now?: () => Date
}

export const defaultBackoff = (attempts: number): number =>
  Math.min(60_000, 1_000 * 2 ** Math.min(attempts, 6))

/** 408 and 429 are "not now", like a 5xx: the same request may succeed later. */
function worthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true
  return error.status >= 500 || error.status === 408 || error.status === 429
}

export class Outbox {
  private items: OutboxItem[] = []
  private chain: Promise<unknown> = Promise.resolve()
  private timer: unknown = null
  private flushing: Promise<void> | null = null
  /** Held: nothing is sent (signed out, or paired to another crew than the one that queued). */
  private held = false
  private readonly options: Required<Omit<OutboxOptions, 'onSent' | 'onSignedOut'>> &
    Pick<OutboxOptions, 'onSent' | 'onSignedOut'>

  constructor(
    private readonly store: KeyValue,
    options: OutboxOptions,
  ) {
    this.options = {
      onChange: () => undefined,
      backoffMs: defaultBackoff,
      setTimer: (run, ms) => setTimeout(run, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
      now: () => new Date(),
      ...options,
    }
  }

  /** Reads what a previous page left waiting. */
  async load(): Promise<readonly OutboxItem[]> {
    await this.serial(async () => {
      this.items = (await this.store.get<OutboxItem[]>(KEYS.outbox)) ?? []
    })
    this.changed()
    return this.items
  }

  list(): readonly OutboxItem[] {
    return this.items
  }

  /** Queues an action (its key made now, at the tap) and starts sending. */
  async add(
    kind: OutboxKind,
    call: Omit<Call, 'idempotencyKey'>,
    label: string,
    taskId: number | null,
  ): Promise<OutboxItem> {
    const key = newKey()
    const item: OutboxItem = {
      key,
      kind,
      call: { ...call, idempotencyKey: key },
      label,
      taskId,
      queuedAt: this.options.now().toISOString(),
      attempts: 0,
      error: null,
    }
    await this.serial(async () => {
      this.items = [...this.items, item]
      await this.save()
    })
    this.changed()
    void this.flush()
    return item
  }

  /** Drops a refused (or any) action the person chose to give up, then sends the rest. */
  async discard(key: string): Promise<void> {
    await this.serial(async () => {
      this.items = this.items.filter((item) => item.key !== key)
      await this.save()
    })
    this.changed()
    void this.flush()
  }

  /** Clears a refusal and tries again now (with the same key). */
  async retry(): Promise<void> {
    await this.serial(async () => {
      this.items = this.items.map((item) => ({ ...item, error: null }))
      await this.save()
    })
    this.changed()
    await this.flush()
  }

  /** Sends what waits, in order; one run at a time (a second call joins the first). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      this.options.clearTimer(this.timer)
      this.timer = null
    }
    this.flushing ??= this.run().finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  /** Stops sending, keeping every item and its key (the phone was signed out). */
  hold(): void {
    this.held = true
    if (this.timer !== null) this.options.clearTimer(this.timer)
    this.timer = null
  }

  /** Sends again what waits, with the keys it had (paired again for the same crew). */
  release(): Promise<void> {
    this.held = false
    return this.flush()
  }

  /** Forget everything (the person chose to drop what another crew's pairing left). */
  async clear(): Promise<void> {
    if (this.timer !== null) this.options.clearTimer(this.timer)
    this.timer = null
    await this.serial(async () => {
      this.items = []
      await this.store.del(KEYS.outbox)
    })
    this.changed()
  }

  private async run(): Promise<void> {
    for (;;) {
      const head = this.items[0]
      if (!head || head.error !== null || this.held) return
      try {
        const answer = await this.options.send(head.call)
        await this.serial(async () => {
          this.items = this.items.filter((item) => item.key !== head.key)
          await this.save()
        })
        this.changed()
        this.options.onSent?.(head, answer)
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          this.hold()
          this.options.onSignedOut?.()
          return
        }
        const retry = worthRetrying(error)
        await this.serial(async () => {
          this.items = this.items.map((item) =>
            item.key === head.key
              ? {
                  ...item,
                  attempts: item.attempts + 1,
                  error: retry ? null : describeError(error),
                }
              : item,
          )
          await this.save()
        })
        this.changed()
        if (retry) {
          const attempts = this.items[0]?.attempts ?? 1
          this.timer = this.options.setTimer(() => {
            this.timer = null
            void this.flush()
          }, this.options.backoffMs(attempts))
        }
        return
      }
    }
  }

  private save(): Promise<void> {
    return this.store.set(KEYS.outbox, this.items)
  }

  private changed(): void {
    this.options.onChange(this.items)
  }

  /** One change to the list at a time, so an add during a send is never lost. */
  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work)
    this.chain = next.catch(() => undefined)
    return next
  }
}
