import type { CrewMe } from './api'
import type { Outbox } from './outbox'
import { KEYS, type KeyValue } from './storage'

/** The crew whose token queued the changes a sign-out left unsent. */
export interface QueueOwner {
  crew_id: string
  crew_name: string
}

/**
 * Changes a sign-out (a 401, a revoke) left on the phone are never dropped by themselves: the
 * outbox holds them, with their Idempotency-Keys, and the crew they were made for is kept. Paired
 * again for that crew, the phone sends them; paired for another crew, they stay held until the
 * person chooses to drop them (another crew's token must not send them).
 */
export class UnsentChanges {
  constructor(
    private readonly store: KeyValue,
    private readonly outbox: Outbox,
    private readonly onChange: (owner: QueueOwner | null) => void,
  ) {}

  /** At start: what a previous page left held, and whether this pairing may send it. */
  async load(me: CrewMe | null, signedIn: boolean): Promise<void> {
    const owner = (await this.store.get<QueueOwner>(KEYS.unsentFor)) ?? null
    if (owner === null) return
    if (this.outbox.list().length === 0) return this.forget()
    if (signedIn && me?.crew_id === owner.crew_id) return this.forget()
    this.outbox.hold()
    this.onChange(owner)
  }

  /** Signed out: hold what waits and remember for which crew. */
  async signedOut(me: CrewMe | null): Promise<void> {
    this.outbox.hold()
    if (this.outbox.list().length === 0) return
    const owner = (await this.store.get<QueueOwner>(KEYS.unsentFor)) ?? {
      crew_id: me?.crew_id ?? '',
      crew_name: me?.crew_name ?? 'the crew this phone was paired to',
    }
    await this.store.set(KEYS.unsentFor, owner)
    this.onChange(owner)
  }

  /** Paired: the same crew sends what waits; another crew keeps it held and is asked. */
  async paired(crewId: string): Promise<void> {
    const owner = (await this.store.get<QueueOwner>(KEYS.unsentFor)) ?? null
    if (owner !== null && owner.crew_id !== crewId && this.outbox.list().length > 0) {
      this.onChange(owner)
      return
    }
    await this.forget()
    void this.outbox.release()
  }

  /** The person chose to drop what another crew's pairing left. */
  async drop(): Promise<void> {
    await this.outbox.clear()
    await this.forget()
    void this.outbox.release()
  }

  /** The queue ran empty (sent, or each dropped): nothing is held any more. */
  async emptied(): Promise<void> {
    if ((await this.store.get(KEYS.unsentFor)) !== undefined) await this.forget()
  }

  private async forget(): Promise<void> {
    await this.store.del(KEYS.unsentFor)
    this.onChange(null)
  }
}

/** "3 changes not sent: pair this phone again to send them", for a crew member. */
export function unsentWords(
  count: number,
  owner: QueueOwner,
  me: CrewMe | null,
): { title: string; detail: string | null } {
  const changes = count === 1 ? '1 change not sent' : `${count} changes not sent`
  const them = count === 1 ? 'it' : 'them'
  if (me === null) {
    return { title: `${changes}: pair this phone again to send ${them}`, detail: null }
  }
  return {
    title: `${changes}, made as ${owner.crew_name}`,
    detail: `This phone is now paired as ${me.crew_name}. Pair it as ${owner.crew_name} again to send ${them}, or drop ${them}.`,
  }
}
