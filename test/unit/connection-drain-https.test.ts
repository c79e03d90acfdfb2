import { Agent, request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureAutoCertificate } from '../../src/server/crew-access/tls.js'
import { createDrainableServer } from '../../src/server/http/connection-drain.js'
import { silentLogger } from '../../src/server/logger.js'

function get(
  agent: Agent,
  url: string,
): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

describe('draining the HTTPS server', () => {
  it('finishes a request in flight, refuses one on a kept-alive TLS socket, cuts none', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'balancer-drain-tls-'))
    try {
      const tls = await ensureAutoCertificate(dataDir, { addresses: [] })
      const drainable = createDrainableServer(
        (req, res) => {
          if (req.url === '/slow') setTimeout(() => res.end('slow done'), 800)
          else res.end('ok')
        },
        silentLogger(),
        tls,
      )
      await new Promise<void>((resolve) => drainable.server.listen(0, '127.0.0.1', resolve))
      const url = `https://127.0.0.1:${(drainable.server.address() as AddressInfo).port}`
      const kept = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })
      const other = new Agent({ keepAlive: true, rejectUnauthorized: false })
      expect((await get(kept, `${url}/fast`)).body).toBe('ok')
      const slow = get(other, `${url}/slow`)
      await new Promise((resolve) => setTimeout(resolve, 200))
      const drained = drainable.drain(5_000)
      const refused = await get(kept, `${url}/fast`)
      expect(refused.status).toBe(503)
      expect(refused.connection).toBe('close')
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'shutting_down' })
      expect(await slow).toMatchObject({ status: 200, body: 'slow done', connection: 'close' })
      const result = await drained
      expect(result.cut).toBe(0)
      expect(result.refused).toBe(1)
      expect(result.ms).toBeLessThan(5_000)
      kept.destroy()
      other.destroy()
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
