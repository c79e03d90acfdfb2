import { createWriteStream, type WriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { once } from 'node:events'
import { createGzip, type Gzip } from 'node:zlib'
import { Header, type HeaderData } from 'tar'

const BLOCK = 512
/** Read size for copying a file: 1 MiB keeps memory flat for the 1 GiB relation segments. */
const CHUNK = 1 << 20

/**
 * A gzipped tar written entry by entry. Files of a running PostgreSQL change while they are read:
 * each is copied at the size it had when opened, zero-padded if it shrank meanwhile (as
 * pg_basebackup does); WAL replay from the backup's start repairs whatever moved.
 */
export class TarWriter {
  readonly #gzip: Gzip
  readonly #file: WriteStream
  readonly #finished: Promise<void>
  bytesIn = 0

  constructor(path: string) {
    this.#gzip = createGzip({ level: 6 })
    this.#file = createWriteStream(path, { mode: 0o600 })
    this.#gzip.pipe(this.#file)
    this.#finished = new Promise((resolve, reject) => {
      this.#file.once('close', resolve)
      this.#file.once('error', reject)
      this.#gzip.once('error', reject)
    })
    // Surfaced by finish(); without a listener an early error would be unhandled.
    this.#finished.catch(() => undefined)
  }

  async #write(chunk: Buffer): Promise<void> {
    this.bytesIn += chunk.length
    if (!this.#gzip.write(chunk)) await once(this.#gzip, 'drain')
  }

  async #header(data: HeaderData): Promise<void> {
    const header = new Header(data)
    const block = Buffer.alloc(BLOCK)
    if (header.encode(block, 0)) {
      throw new Error(`${String(header.path)}: name too long for a plain tar header`)
    }
    await this.#write(block)
  }

  async #pad(size: number): Promise<void> {
    const rest = size % BLOCK
    if (rest > 0) await this.#write(Buffer.alloc(BLOCK - rest))
  }

  async directory(path: string, mtime = new Date()): Promise<void> {
    await this.#header({ path: `${path}/`, mode: 0o700, size: 0, type: 'Directory', mtime })
  }

  async buffer(path: string, content: Buffer, mtime = new Date()): Promise<void> {
    await this.#header({ path, mode: 0o600, size: content.length, type: 'File', mtime })
    await this.#write(content)
    await this.#pad(content.length)
  }

  /** Copies a file; false when it vanished before it could be opened (a dropped table). */
  async file(path: string, source: string): Promise<boolean> {
    let handle
    try {
      handle = await open(source, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    try {
      const info = await handle.stat()
      const size = info.size
      await this.#header({ path, mode: 0o600, size, type: 'File', mtime: info.mtime })
      for (let done = 0; done < size; done += CHUNK) {
        const want = Math.min(CHUNK, size - done)
        // Zeros where the file shrank while it was read: the header's size is kept.
        const chunk = Buffer.alloc(want)
        await handle.read(chunk, 0, want, done)
        await this.#write(chunk)
      }
      await this.#pad(size)
      return true
    } finally {
      await handle.close()
    }
  }

  /** Ends the archive and waits for the file to be written and closed. */
  async finish(): Promise<void> {
    await this.#write(Buffer.alloc(BLOCK * 2))
    this.#gzip.end()
    await this.#finished
  }

  /** Gives up: closes the streams (the caller removes the file). */
  abort(): void {
    this.#gzip.destroy()
    this.#file.destroy()
  }
}
