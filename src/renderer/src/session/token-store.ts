import { TOKEN_KEY } from '../api/client'

/**
 * Where a browser keeps its API token between visits (localStorage, `balancer.token`), and who
 * hears that the server stopped accepting it. The desktop app has none: its window is the
 * depot's own dispatcher.
 */
export interface TokenStore {
  get(): string | null
  set(token: string): void
  clear(): void
  /** The server refused the token mid-session (revoked); the page signs out and says why. */
  reject(detail: string): void
  onReject(listener: (detail: string) => void): () => void
}

export function browserTokenStore(storage: Storage): TokenStore {
  const listeners = new Set<(detail: string) => void>()
  return {
    get: () => {
      try {
        return storage.getItem(TOKEN_KEY)
      } catch {
        return null
      }
    },
    set: (token) => storage.setItem(TOKEN_KEY, token),
    clear: () => storage.removeItem(TOKEN_KEY),
    reject: (detail) => {
      for (const listener of listeners) listener(detail)
    },
    onReject: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
