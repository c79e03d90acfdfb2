import pg from 'pg'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  CrewAccess,
  CrewMe,
  Device,
  PairedDevice,
  Pairing,
} from '../../src/shared/crew-access.js'
import { DEVICE_CHANNEL, forgetRevokedDevices } from '../../src/server/crew-access/device-events.js'
import { createNotifyHub } from '../../src/server/events/notify-hub.js'
import { silentLogger } from '../../src/server/logger.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

const ACCESS: CrewAccess = {
  url: 'http://192.168.1.20:8000',
  reachable_from_lan: true,
  loopback_only: false,
  tls: { enabled: false, fingerprint_sha256: null },
  warning: null,
}

let database: TestDatabase
let api: TestApi
let dispatcher: string
let analyst: string
let crewToken: string

beforeAll(async () => {
  database = await createTestDatabase()
  api = await startApi(database, { crewAccess: () => ACCESS })
  dispatcher = await api.token('dispatcher', 'depot desk')
  analyst = await api.token('analyst', 'analyst')
  // Makes the crews the phones pair with.
  crewToken = await api.token('crew', 'Van 3 (Mission)', { crewId: 'van-3', vanCapacity: 12 })
  await api.token('crew', 'Van 4', { crewId: 'van-4' })
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function newPairing(crewId = 'van-3'): Promise<Pairing> {
  const response = await api.call('POST', `/crews/${crewId}/pairings`, { token: dispatcher })
  expect(response.status).toBe(201)
  return response.body as Pairing
}

async function pair(code: string, deviceName?: string, target = api) {
  return target.call('POST', '/crew/pair', {
    body: { code, ...(deviceName ? { device_name: deviceName } : {}) },
  })
}

describe('pairing a phone', () => {
  it('gives a one-time code in the fragment of a link to the address phones reach', async () => {
    const before = Date.now()
    const pairing = await newPairing()
    expect(pairing.code).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$/)
    expect(pairing.url).toBe(`http://192.168.1.20:8000/crew/#pair=${pairing.code}`)
    expect(pairing.server_url).toBe(ACCESS.url)
    expect(pairing.tls_fingerprint).toBeNull()
    const ttl = new Date(pairing.expires_at).getTime() - before
    expect(ttl).toBeGreaterThan(9.9 * 60_000)
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 1_000)
  })

  it('trades the code for a crew token bound to a device of that crew', async () => {
    const pairing = await newPairing()
    const response = await pair(pairing.code, 'Ana’s phone')
    expect(response.status).toBe(201)
    const paired = response.body as PairedDevice
    expect(paired).toMatchObject({ crew_id: 'van-3', crew_name: 'Van 3 (Mission)' })
    expect(paired.token).toMatch(/^bwb_/)
    const me = await api.call('GET', '/crew/me', { token: paired.token })
    expect(me.status).toBe(200)
    expect(me.body as CrewMe).toEqual({
      crew_id: 'van-3',
      crew_name: 'Van 3 (Mission)',
      device_id: paired.device_id,
      van_capacity: 12,
      // crew-work's part of the answer: no shift yet, nothing moved.
      shift: null,
      bikes_moved_today: 0,
    })
    const devices = await api.call('GET', '/crews/devices', { token: analyst })
    expect(devices.status).toBe(200)
    expect(devices.body as Device[]).toContainEqual(
      expect.objectContaining({
        device_id: paired.device_id,
        crew_id: 'van-3',
        name: 'Ana’s phone',
      }),
    )
  })

  it('takes the code as typed from a screen: lower case, with spaces or dashes', async () => {
    const pairing = await newPairing('van-4')
    const typed = `${pairing.code.slice(0, 5).toLowerCase()}-${pairing.code.slice(5)}`
    const response = await pair(typed)
    expect(response.status).toBe(201)
    expect((response.body as PairedDevice).crew_id).toBe('van-4')
  })

  it('keeps only digests of codes and tokens', async () => {
    const pairing = await newPairing()
    const paired = (await pair(pairing.code)).body as PairedDevice
    const { rows } = await sql<{ text: string }>`
      select concat_ws(' ', p.*::text, t.*::text, d.*::text) as text
        from crew_pairings p join crew_devices d using (pairing_id)
        join api_tokens t on t.token_id = d.token_id
       where d.device_id = ${paired.device_id}`.execute(database.db)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.text).not.toContain(pairing.code)
    expect(rows[0]?.text).not.toContain(paired.token.slice(10))
  })

  it('refuses a code used once already', async () => {
    const pairing = await newPairing()
    expect((await pair(pairing.code)).status).toBe(201)
    const again = await pair(pairing.code)
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ code: 'pairing_used' })
    expect((again.body as { detail: string }).detail).toMatch(/already used/)
  })

  it('refuses a code past its 10 minutes', async () => {
    const pairing = await newPairing()
    await sql`update crew_pairings set created_at = now() - interval '11 minutes',
                                       expires_at = now() - interval '1 minute'
               where used_at is null`.execute(database.db)
    const late = await pair(pairing.code)
    expect(late.status).toBe(409)
    expect(late.body).toMatchObject({ code: 'pairing_expired' })
    expect((late.body as { detail: string }).detail).toMatch(/expired/)
  })

  it('refuses an unknown code and a malformed one, naming the field, and makes no device', async () => {
    const { count: before } = await countDevices()
    const unknown = await pair('ABCDEFGHJK')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ code: 'pairing_unknown' })
    const malformed = await pair('0O1I')
    expect(malformed.status).toBe(400)
    expect((malformed.body as { detail: string }).detail).toMatch(/^body\.code: /)
    expect((await countDevices()).count).toBe(before)
  })

  it('lets only a dispatcher make codes, for a crew that exists', async () => {
    expect((await api.call('POST', '/crews/van-3/pairings', { token: analyst })).status).toBe(403)
    expect((await api.call('POST', '/crews/van-3/pairings', { token: crewToken })).status).toBe(403)
    expect((await api.call('POST', '/crews/van-3/pairings')).status).toBe(401)
    const missing = await api.call('POST', '/crews/nobody/pairings', { token: dispatcher })
    expect(missing.status).toBe(404)
    expect((missing.body as { detail: string }).detail).toMatch(/^crew_id: no crew "nobody"/)
  })

  it('gives /crew/me to crew tokens only; a hand-made crew token has no device', async () => {
    expect((await api.call('GET', '/crew/me', { token: dispatcher })).status).toBe(403)
    const me = await api.call('GET', '/crew/me', { token: crewToken })
    expect(me.body).toMatchObject({ crew_id: 'van-3', device_id: null })
  })
})

async function countDevices(): Promise<{ count: number }> {
  const { rows } = await sql<{
    count: number
  }>`select count(*)::int as count from crew_devices`.execute(database.db)
  return rows[0] ?? { count: 0 }
}

describe('revoking a device', () => {
  it('signs the phone out at once and announces it on NOTIFY devices', async () => {
    const listener = new pg.Client({ connectionString: database.url })
    await listener.connect()
    const heard: string[] = []
    listener.on('notification', (message) => heard.push(message.payload ?? ''))
    await listener.query('listen devices')
    try {
      const paired = (await pair((await newPairing()).code, 'Van 3 spare')).body as PairedDevice
      // Verified once, so the token sits in the auth cache (10 s) when it is revoked.
      expect((await api.call('GET', '/crew/me', { token: paired.token })).status).toBe(200)
      expect(
        (await api.call('POST', `/crews/devices/${paired.device_id}/revoke`, { token: analyst }))
          .status,
      ).toBe(403)
      const revoked = await api.call('POST', `/crews/devices/${paired.device_id}/revoke`, {
        token: dispatcher,
      })
      expect(revoked.status).toBe(200)
      expect((revoked.body as Device).revoked_at).not.toBeNull()
      const after = await api.call('GET', '/crew/me', { token: paired.token })
      expect(after.status).toBe(401)
      await expect.poll(() => heard.length).toBe(1)
      const tokenId = (
        await database.db
          .selectFrom('crew_devices')
          .select('token_id')
          .where('device_id', '=', paired.device_id)
          .executeTakeFirstOrThrow()
      ).token_id
      expect(JSON.parse(heard[0] ?? '')).toEqual({
        device_id: paired.device_id,
        token_id: tokenId,
        event: 'revoked',
      })
      // Again: the same answer, no second announcement.
      const again = await api.call('POST', `/crews/devices/${paired.device_id}/revoke`, {
        token: dispatcher,
      })
      expect(again.status).toBe(200)
      expect((again.body as Device).revoked_at).toBe((revoked.body as Device).revoked_at)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(heard).toHaveLength(1)
    } finally {
      await listener.end()
    }
  })

  it('signs it out on another console sharing the database as soon as NOTIFY reaches it', async () => {
    const other = await startApi(database, { crewAccess: () => ACCESS })
    const hub = createNotifyHub({
      url: database.url,
      channels: [DEVICE_CHANNEL],
      logger: silentLogger(),
    })
    const stop = forgetRevokedDevices(hub, other.services.auth)
    try {
      const paired = (await pair((await newPairing()).code)).body as PairedDevice
      // The other console has verified the token: its cache would trust it for 10 s more.
      expect((await other.call('GET', '/crew/me', { token: paired.token })).status).toBe(200)
      // Its LISTEN connection is up once a NOTIFY sent now comes back to it.
      const ready = new Promise<void>((resolve) => {
        const off = hub.subscribe(() => {
          off()
          resolve()
        })
      })
      await expect
        .poll(async () => {
          await sql`select pg_notify('devices', '{}')`.execute(database.db)
          return Promise.race([ready.then(() => true), sleep(100).then(() => false)])
        })
        .toBe(true)
      const revokedAt = Date.now()
      expect(
        (
          await api.call('POST', `/crews/devices/${paired.device_id}/revoke`, {
            token: dispatcher,
          })
        ).status,
      ).toBe(200)
      await expect
        .poll(async () => (await other.call('GET', '/crew/me', { token: paired.token })).status, {
          timeout: 5_000,
          interval: 50,
        })
        .toBe(401)
      // Well inside the cache's 10 s.
      expect(Date.now() - revokedAt).toBeLessThan(5_000)
    } finally {
      stop()
      await hub.close()
      await other.close()
    }
  })

  it('answers 404 naming the device for one that does not exist', async () => {
    const response = await api.call('POST', '/crews/devices/999999/revoke', { token: dispatcher })
    expect(response.status).toBe(404)
    expect((response.body as { detail: string }).detail).toMatch(/^device_id: /)
  })

  it('shows last contact once the phone has used its token', async () => {
    const paired = (await pair((await newPairing()).code)).body as PairedDevice
    await api.call('GET', '/crew/me', { token: paired.token })
    await expect
      .poll(async () => {
        const devices = (await api.call('GET', '/crews/devices', { token: dispatcher }))
          .body as Device[]
        return devices.find((device) => device.device_id === paired.device_id)?.last_contact_at
      })
      .not.toBeNull()
  })
})

describe('guessing codes', () => {
  it('counts wrong codes as failed attempts of the address, then refuses even a good one', async () => {
    const limited = await startApi(database, {
      crewAccess: () => ACCESS,
      rateLimits: { perToken: 6_000, perAddress: 300, failedAuthPerAddress: 5 },
    })
    try {
      const good = await newPairing()
      for (let i = 0; i < 5; i += 1) {
        expect((await pair(`ZZZZZZZZZ${PAD[i]}`, undefined, limited)).status).toBe(404)
      }
      const refused = await pair(good.code, undefined, limited)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
      expect((refused.body as { detail: string }).detail).toMatch(/too many wrong pairing codes/)
      // Refused before the database: the code is still unused.
      const row = await sql<{ used_at: Date | null }>`
        select used_at from crew_pairings order by pairing_id desc limit 1`.execute(database.db)
      expect(row.rows[0]?.used_at).toBeNull()
    } finally {
      await limited.close()
    }
  })
})

const PAD = '23456'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
