import { createStore, del, get, set } from 'idb-keyval'

/**
 * What the phone keeps between reloads, in IndexedDB through idb-keyval: the device token (never
 * shown), the last answers it needs to open with no network (who it is, the shift, the task), and
 * the queue of actions waiting to be sent.
 */
export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
}

export function indexedDbStore(): KeyValue {
  const store = createStore('bay-wheels-crew', 'kv')
  return {
    get: <T>(key: string) => get<T>(key, store),
    set: (key, value) => set(key, value, store),
    del: (key) => del(key, store),
  }
}

/** A store in memory (tests; a browser without IndexedDB still works until the tab closes). */
export function memoryStore(initial: Map<string, unknown> = new Map()): KeyValue {
  return {
    get: <T>(key: string) => Promise.resolve(structuredClone(initial.get(key)) as T | undefined),
    set: (key, value) => {
      initial.set(key, structuredClone(value))
      return Promise.resolve()
    },
    del: (key) => {
      initial.delete(key)
      return Promise.resolve()
    },
  }
}

export const KEYS = {
  token: 'token',
  me: 'me',
  shift: 'shift',
  task: 'task',
  outbox: 'outbox',
  /** Work recorded on the phone for the held task: bikes picked up, completed. */
  progress: 'progress',
  /** The crew whose changes a sign-out left waiting (see unsent.ts). */
  unsentFor: 'unsentFor',
} as const

/**
 * An Idempotency-Key: a random UUID. crypto.randomUUID exists only in secure contexts, and a
 * depot without TLS serves the app over plain http on its LAN, so it is made from
 * getRandomValues, which every context has.
 */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
