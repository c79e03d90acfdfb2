import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { createGunzip } from 'node:zlib'
import yauzl from 'yauzl'

export type Compression = 'none' | 'gzip' | 'zip'

/** A file that cannot be read as a trip file; the message says why in a person's words. */
export class TripSourceError extends Error {
  override name = 'TripSourceError'
}

/** How far a source has been read, for progress and the summary. */
export interface SourceCounters {
  /** Bytes read of whatever `bytesTotal` counts (the file, or a zip member's CSV). */
  bytesDone: number
  /** Bytes of CSV (decompressed) seen so far. */
  csvBytes: number
  /** Line feeds seen so far: rows done, plus the header's. */
  lines: number
}

export interface TripSource {
  /** The file's name, and the member's for a zip ("201802.zip:201802.csv"). */
  name: string
  compression: Compression
  /** What `bytesDone` runs up to; null when unknown (a pipe). */
  bytesTotal: number | null
  /** The first line, without its line ending. */
  headerLine: string
  /** The bytes read to find it (the header and the first rows): a sample of the file. */
  head: Buffer
  /** The decompressed CSV from its first byte, header included. */
  stream: Readable
  counters(): SourceCounters
  /** sha256 of the CSV; complete once `stream` has ended. */
  sha256(): string
  /** Releases the file early (after a failure); a stream read to the end releases it itself. */
  close(): void
}

/** Any line longer than this before the first line feed is not a trip file's header. */
const MAX_HEADER_BYTES = 64 * 1024

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])

/** Counts and hashes the bytes going through without touching them. */
class Inspector extends Transform {
  readonly hash = createHash('sha256')
  bytes = 0
  lines = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.hash.update(chunk)
    this.bytes += chunk.length
    // indexOf is a memchr: counting the 22 MB of a month takes a few milliseconds.
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.lines += 1
    callback(null, chunk)
  }
}

class ByteMeter extends Transform {
  bytes = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length
    callback(null, chunk)
  }
}

async function sniffCompression(path: string, isFile: boolean): Promise<Compression> {
  if (!isFile) {
    // A pipe cannot be read twice: trust the name. Zip needs its directory at the end.
    if (/\.zip$/i.test(path)) {
      throw new TripSourceError(`${path}: a zip file must be a regular file, not a pipe`)
    }
    return /\.gz$/i.test(path) ? 'gzip' : 'none'
  }
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await handle.read(head, 0, 4, 0)
    const start = head.subarray(0, bytesRead)
    if (start.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip'
    if (start.equals(ZIP_MAGIC)) return 'zip'
    return 'none'
  } finally {
    await handle.close()
  }
}

function isCsvMember(entry: yauzl.Entry): boolean {
  const name = entry.fileName
  if (name.endsWith('/') || name.startsWith('__MACOSX/')) return false
  const file = name.slice(name.lastIndexOf('/') + 1)
  return !file.startsWith('.') && /\.(csv|txt)$/i.test(file)
}

interface RawCsv {
  name: string
  stream: Readable
  bytesTotal: number | null
  bytesDone: () => number
  close: () => void
}

async function openZipMember(path: string): Promise<RawCsv> {
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false })
  } catch (error) {
    throw new TripSourceError(`${path} is not a readable zip file: ${(error as Error).message}`)
  }
  const close = () => {
    if (zip.isOpen) zip.close()
  }
  try {
    const members: yauzl.Entry[] = []
    for await (const entry of zip.eachEntry()) if (isCsvMember(entry)) members.push(entry)
    const [member, ...others] = members
    if (!member) throw new TripSourceError(`${path} holds no .csv file`)
    if (others.length > 0) {
      throw new TripSourceError(
        `${path} holds ${members.length} CSV files (${members.map((m) => m.fileName).join(', ')}); one file is one import, so unzip it and import them one by one`,
      )
    }
    const stream = await zip.openReadStreamPromise(member)
    const meter = new ByteMeter()
    stream.on('error', (error) => meter.destroy(error))
    stream.on('end', close)
    return {
      name: `${basename(path)}:${member.fileName}`,
      stream: stream.pipe(meter),
      bytesTotal: member.uncompressedSize,
      bytesDone: () => meter.bytes,
      close,
    }
  } catch (error) {
    close()
    throw error
  }
}

function openPlainOrGzip(path: string, compression: Compression, size: number | null): RawCsv {
  const file = createReadStream(path, { highWaterMark: 256 * 1024 })
  const meter = new ByteMeter()
  file.on('error', (error) => meter.destroy(error))
  let stream: Readable = file.pipe(meter)
  if (compression === 'gzip') {
    const gunzip = createGunzip()
    meter.on('error', (error) => gunzip.destroy(error))
    gunzip.on('error', (error) => {
      // zlib says "unexpected end of file"; a person needs to hear the download is incomplete.
      if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
        error.message = `${basename(path)} ends early (truncated gzip): ${error.message}`
      }
    })
    stream = meter.pipe(gunzip)
  }
  return {
    name: basename(path),
    stream,
    bytesTotal: size,
    bytesDone: () => meter.bytes,
    close: () => file.destroy(),
  }
}

/**
 * Opens a trip file (.csv, .csv.gz or .zip, told apart by their first bytes, not their names),
 * reads up to its first line feed for the header, and hands back the decompressed bytes from
 * the start. Decompression runs on libuv's thread pool and the counting is a memchr per chunk,
 * so nothing here holds the event loop for long.
 */
export async function openTripSource(path: string): Promise<TripSource> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new TripSourceError(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}`,
    )
  }
  if (info.isDirectory()) throw new TripSourceError(`${path} is a directory, not a trip file`)
  const compression = await sniffCompression(path, info.isFile())
  const raw =
    compression === 'zip'
      ? await openZipMember(path)
      : openPlainOrGzip(path, compression, info.isFile() ? info.size : null)

  const inspector = new Inspector()
  raw.stream.on('error', (error) => inspector.destroy(error))
  const csv = raw.stream.pipe(inspector)
  const chunks = csv[Symbol.asyncIterator]() as AsyncIterator<Buffer>

  const head: Buffer[] = []
  let headBytes = 0
  let headerEnd = -1
  try {
    while (headerEnd < 0) {
      const next = await chunks.next()
      if (next.done) break
      const at = next.value.indexOf(10)
      if (at >= 0) headerEnd = headBytes + at
      head.push(next.value)
      headBytes += next.value.length
      if (headerEnd < 0 && headBytes > MAX_HEADER_BYTES) {
        throw new TripSourceError(
          `${raw.name}: no line break in the first ${MAX_HEADER_BYTES / 1024} KB; is this a CSV file?`,
        )
      }
    }
  } catch (error) {
    raw.close()
    csv.destroy()
    if (error instanceof TripSourceError) throw error
    throw new TripSourceError(`${raw.name}: ${(error as Error).message}`)
  }
  const start = Buffer.concat(head)
  if (start.length === 0) {
    raw.close()
    throw new TripSourceError(`${raw.name} is empty`)
  }
  const headerLine = start
    .subarray(0, headerEnd < 0 ? start.length : headerEnd)
    .toString('utf8')
    .replace(/\r$/, '')

  async function* replay(): AsyncGenerator<Buffer> {
    yield start
    for (;;) {
      const next = await chunks.next()
      if (next.done) return
      yield next.value
    }
  }

  let digest: string | null = null
  return {
    name: raw.name,
    compression,
    bytesTotal: raw.bytesTotal,
    headerLine,
    head: start,
    stream: Readable.from(replay(), { objectMode: false }),
    counters: () => ({
      bytesDone: raw.bytesDone(),
      csvBytes: inspector.bytes,
      lines: inspector.lines,
    }),
    sha256: () => (digest ??= inspector.hash.digest('hex')),
    close: () => {
      raw.close()
      csv.destroy()
    },
  }
}
