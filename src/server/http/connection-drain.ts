import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { Server as NetServer, type Socket } from 'node:net'
import type { Logger } from '../logger.js'

/**
 * An HTTP server that shuts down without cutting anyone off.
 *
 * `drain()` stops listening (new connections are refused before a request is sent), lets the
 * requests in flight finish and tells their clients `Connection: close`, and answers any request
 * that arrives afterwards on a kept-alive connection 503 `shutting_down` with `Retry-After` and
 * `Connection: close`, without running it: a claim that never started cannot be cut at the
 * deadline, and a phone retries it against the next server. Before this, about 1,000 requests
 * were served on kept-alive sockets during the 5 s drain and 27 were cut at its end.
 *
 * Idle connections are closed only once they have been idle for `IDLE_GRACE_MS`: closing a
 * socket that looks idle the moment its client writes the next request (already in flight, not
 * yet read) resets that request, which the client cannot tell from a lost answer. Node's own
 * `server.close()` closes idle connections at once, so the listening socket is closed directly.
 * One race remains, as with any server: a connection the kernel had accepted that the process
 * had not yet taken when it stopped listening is reset with its request unread. A client cannot
 * tell that from a lost answer; retrying with the same idempotency key is safe.
 */

/** A client busy sending requests sends the next within milliseconds of an answer. */
const IDLE_GRACE_MS = 1_000
const SWEEP_MS = 100

export interface DrainResult {
  ms: number
  /** Requests that arrived during the drain and were answered 503 shutting_down. */
  refused: number
  /** Requests still unanswered at the deadline, whose connections were cut. */
  cut: number
}

export interface DrainableServer {
  server: Server
  /** Starts the drain (once); resolves when every connection has closed, or at `limitMs`. */
  drain: (limitMs: number) => Promise<DrainResult>
}

interface Connection {
  /** Requests on it not yet answered. */
  active: number
  idleSince: number
}

const SHUTTING_DOWN = JSON.stringify({
  detail: 'the server is shutting down; send the request again in a few seconds',
  code: 'shutting_down',
})

function refuse(res: ServerResponse): void {
  if (res.headersSent || res.writableEnded) return
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(SHUTTING_DOWN),
    'Retry-After': '5',
    Connection: 'close',
  })
  res.end(SHUTTING_DOWN)
}

/**
 * With `tls`, an HTTPS server drained the same way: its connections are counted once their
 * handshake is done (`secureConnection`), since requests arrive on the TLS socket; a connection
 * still in its handshake when listening stops holds no request and ends with its client.
 */
export function createDrainableServer(
  app: RequestListener,
  logger: Logger,
  tls: { cert: string; key: string } | null = null,
): DrainableServer {
  const connections = new Map<Socket, Connection>()
  const inFlight = new Set<ServerResponse>()
  let draining: Promise<DrainResult> | null = null
  let refused = 0
  let sweep: (() => void) | null = null

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.get(req.socket)
    if (connection) connection.active += 1
    res.once('close', () => {
      inFlight.delete(res)
      if (connection) {
        connection.active -= 1
        connection.idleSince = Date.now()
      }
      sweep?.()
    })
    if (draining) {
      refused += 1
      // Read the body first: closing a socket with unread bytes sends a reset, and the client
      // may then lose the answer it was about to read.
      req.once('end', () => refuse(res))
      req.once('error', () => res.destroy())
      req.resume()
      return
    }
    inFlight.add(res)
    app(req, res)
  }
  // An https.Server is an http.Server to everything that uses it here (listen, close, address).
  const server: Server = tls ? createHttpsServer(tls, handle) : createServer(handle)
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections.set(socket, { active: 0, idleSince: Date.now() })
    socket.once('close', () => {
      connections.delete(socket)
      sweep?.()
    })
  })

  function drain(limitMs: number): Promise<DrainResult> {
    draining ??= new Promise<DrainResult>((resolve) => {
      const startedAt = Date.now()
      NetServer.prototype.close.call(server)
      // Answers not yet begun tell their clients not to send another request on this socket.
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader('Connection', 'close')
      }
      const finish = (cut: number) => {
        clearInterval(timer)
        clearTimeout(deadline)
        sweep = null
        const result = { ms: Date.now() - startedAt, refused, cut }
        logger[cut > 0 ? 'warn' : 'info'](result, 'HTTP connections drained')
        resolve(result)
      }
      sweep = () => {
        const now = Date.now()
        for (const [socket, connection] of connections) {
          if (connection.active === 0 && now - connection.idleSince >= IDLE_GRACE_MS) {
            socket.destroy()
          }
        }
        if (connections.size === 0) finish(0)
      }
      const timer = setInterval(() => sweep?.(), SWEEP_MS)
      const deadline = setTimeout(() => {
        let cut = 0
        for (const [socket, connection] of connections) {
          cut += connection.active
          socket.destroy()
        }
        finish(cut)
      }, limitMs)
      sweep()
    })
    return draining
  }

  return { server, drain }
}
