import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** A map tile's address: zoom, column, row (the slippy-map scheme every tile server uses). */
export interface TileKey {
  z: number
  x: number
  y: number
}

/** What the upstream said about a tile, kept beside its bytes to honour its caching headers. */
export interface TileMeta {
  contentType: string
  etag: string | null
  lastModified: string | null
  /** Until when (ms since the epoch) the tile may be served without asking the upstream again. */
  freshUntil: number
  /** When it was fetched or confirmed (304): the oldest goes first when the cache is full. */
  storedAt: number
}

export interface StoredTile {
  bytes: Buffer
  meta: TileMeta
}

/**
 * Every tile fetched, on disk under `dir` as `<z>/<x>/<y>.tile` and `<y>.json` (its headers),
 * at most `maxBytes` in all: storing one past the bound removes the oldest stored first. The
 * sizes are read from disk once, on first use, so a restarted server keeps its bound.
 */
export interface TileCache {
  get(key: TileKey): Promise<StoredTile | null>
  put(key: TileKey, bytes: Buffer, meta: TileMeta): Promise<void>
  /** A 304 from the upstream: the same bytes, fresh again. */
  refresh(key: TileKey, meta: TileMeta): Promise<void>
  /** Bytes on disk (tiles and their headers) and tiles held. */
  usage(): Promise<{ bytes: number; tiles: number }>
}

const pathOf = (dir: string, { z, x, y }: TileKey) => join(dir, String(z), String(x), `${y}.tile`)
const metaPath = (tile: string) => tile.replace(/\.tile$/, '.json')

/** Written beside and renamed over: a crash never leaves half a tile under its name. */
async function writeWhole(path: string, data: Buffer | string): Promise<number> {
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, data)
  await rename(temporary, path)
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length
}

export function createTileCache({ dir, maxBytes }: { dir: string; maxBytes: number }): TileCache {
  /** Path of each tile -> its bytes on disk (with its headers) and when it was stored. */
  let index: Map<string, { bytes: number; storedAt: number }> | null = null
  let total = 0

  async function load(): Promise<Map<string, { bytes: number; storedAt: number }>> {
    if (index) return index
    const found = new Map<string, { bytes: number; storedAt: number }>()
    let names: string[] = []
    try {
      names = (await readdir(dir, { recursive: true })).map(String)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    for (const name of names.filter((n) => n.endsWith('.tile'))) {
      const path = join(dir, name)
      try {
        const [tile, meta] = await Promise.all([stat(path), stat(metaPath(path))])
        found.set(path, { bytes: tile.size + meta.size, storedAt: tile.mtimeMs })
        total += tile.size + meta.size
      } catch {
        // A tile without its headers (a crash between the two writes): it goes.
        await rm(path, { force: true })
      }
    }
    index = found
    return found
  }

  async function remove(path: string): Promise<void> {
    const entry = index?.get(path)
    if (!entry || !index) return
    index.delete(path)
    total -= entry.bytes
    await Promise.all([rm(path, { force: true }), rm(metaPath(path), { force: true })])
  }

  /** Oldest stored first, down to the bound (a sort per eviction: they are rare, a few a fetch). */
  async function evict(keep: string): Promise<void> {
    if (!index || total <= maxBytes) return
    const oldest = [...index].filter(([path]) => path !== keep)
    oldest.sort(([, a], [, b]) => a.storedAt - b.storedAt)
    for (const [path] of oldest) {
      if (total <= maxBytes) break
      await remove(path)
    }
  }

  async function record(path: string, bytes: number, storedAt: number): Promise<void> {
    const entries = await load()
    total -= entries.get(path)?.bytes ?? 0
    entries.set(path, { bytes, storedAt })
    total += bytes
    await evict(path)
  }

  return {
    async get(key) {
      await load()
      const path = pathOf(dir, key)
      try {
        const [bytes, meta] = await Promise.all([readFile(path), readFile(metaPath(path), 'utf8')])
        return { bytes, meta: JSON.parse(meta) as TileMeta }
      } catch {
        return null
      }
    },
    async put(key, bytes, meta) {
      const path = pathOf(dir, key)
      const size =
        (await writeWhole(path, bytes)) + (await writeWhole(metaPath(path), JSON.stringify(meta)))
      const at = new Date(meta.storedAt)
      await utimes(path, at, at)
      await record(path, size, meta.storedAt)
    },
    async refresh(key, meta) {
      const path = pathOf(dir, key)
      const entry = (await load()).get(path)
      if (!entry) return
      const size = await writeWhole(metaPath(path), JSON.stringify(meta))
      // The tile's own time is what a restarted server reads its age from.
      const at = new Date(meta.storedAt)
      await utimes(path, at, at)
      const tile = await stat(path)
      await record(path, tile.size + size, meta.storedAt)
    },
    async usage() {
      const entries = await load()
      return { bytes: total, tiles: entries.size }
    },
  }
}
