import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { crc32, deflateSync } from 'node:zlib'

/** A PNG of `size` x `size` RGB pixels coloured by `pixel` (no library: chunks, CRC, deflate). */
export function png(
  size: number,
  pixel: (x: number, y: number) => [number, number, number],
): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const head = Buffer.alloc(4)
    head.writeUInt32BE(data.length)
    const tail = Buffer.alloc(4)
    tail.writeUInt32BE(crc32(body))
    return Buffer.concat([head, body, tail])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const rows = Buffer.alloc(size * (1 + size * 3))
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) rows.set(pixel(x, y), y * (1 + size * 3) + 1 + x * 3)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A street-map-like tile: a pale ground, white streets every 64 px, a thin border. */
const TILE = png(256, (x, y) =>
  x % 64 < 6 || y % 64 < 6
    ? [255, 255, 255]
    : x === 255 || y === 255
      ? [200, 196, 186]
      : [236, 232, 222],
)

export interface FakeTileServer {
  /** `http://127.0.0.1:<port>/{z}/{x}/{y}.png` */
  template: string
  /** Up: tiles answered. Down: connections cut, as a depot without internet sees a tile server. */
  up: boolean
  requests: number
  close(): Promise<void>
}

/** A tile server on 127.0.0.1: the end-to-end tests never reach the internet's. */
export async function fakeTileServer(): Promise<FakeTileServer> {
  const state = { up: false, requests: 0 }
  const server: Server = createServer((req, res) => {
    state.requests += 1
    if (!state.up) {
      req.socket.destroy()
      return
    }
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=604800' })
    res.end(TILE)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    template: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`,
    get up() {
      return state.up
    },
    set up(value: boolean) {
      state.up = value
    },
    get requests() {
      return state.requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
