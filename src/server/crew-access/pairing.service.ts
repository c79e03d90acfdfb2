import { createHash, randomInt } from 'node:crypto'
import type { CrewAccess, CrewMe, Device, PairedDevice, Pairing } from '../../shared/crew-access.js'
import { PAIRING_ALPHABET, PAIRING_CODE_LENGTH } from '../../shared/crew-access.js'
import type { Actor } from '../auth/actor.js'
import { createAuthRepository } from '../auth/auth.repository.js'
import type { AuthService } from '../auth/auth.service.js'
import { generateToken, hashToken, tokenPrefix } from '../auth/tokens.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import type { FailedAuthGuard } from '../http/failed-auth.guard.js'
import { createDevicesRepository, type DeviceRow } from './devices.repository.js'

/** Long enough to walk to the van and scan; short enough that a photo of the screen goes stale. */
export const PAIRING_TTL_MS = 10 * 60_000
export const CREW_APP_PATH = '/crew/'

export interface CrewAccessDeps {
  db: Database
  auth: Pick<AuthService, 'forget'>
  /** Where phones reach this server now (it may change as interfaces come and go; null: not listening). */
  access: () => CrewAccess | null
  /** Wrong codes count with wrong tokens against the sender's address (null: no limit, tests). */
  guard?: FailedAuthGuard | null
}

/**
 * 10 characters of a 31-letter alphabet: 49 bits. At the guard's 30 wrong tries a minute per
 * address, guessing one of a handful of live codes within its 10 minutes is about 1 in 10^11.
 */
export function generatePairingCode(): string {
  let code = ''
  for (let i = 0; i < PAIRING_CODE_LENGTH; i += 1) {
    code += PAIRING_ALPHABET.charAt(randomInt(PAIRING_ALPHABET.length))
  }
  return code
}

/** The code's digest, as stored: codes are secrets for 10 minutes and kept like tokens. */
export function hashCode(code: string): Buffer {
  return createHash('sha256').update(`pairing:${code}`, 'utf8').digest()
}

export function toDevice(row: DeviceRow): Device {
  return {
    device_id: row.device_id,
    crew_id: row.crew_id,
    name: row.name,
    paired_at: row.paired_at.toISOString(),
    last_contact_at: row.last_contact_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  }
}

/** A dispatcher makes a one-time code for a crew; the link carries it in its fragment. */
export async function createPairing(
  deps: CrewAccessDeps,
  input: { crew_id: string },
  actor: Actor,
): Promise<Pairing> {
  const repository = createDevicesRepository(deps.db)
  if (!(await repository.crewExists(input.crew_id))) {
    throw new ServiceError('not_found', 'crew_not_found', `crew_id: no crew "${input.crew_id}"`)
  }
  const access = deps.access()
  if (!access) {
    throw new ServiceError(
      'unavailable',
      'not_listening',
      'the server is not listening for crews yet, so there is no address to give a phone',
    )
  }
  const code = generatePairingCode()
  const expiresAt = new Date(Date.now() + PAIRING_TTL_MS)
  await repository.insertPairing({
    crewId: input.crew_id,
    codeHash: hashCode(code),
    createdBy: actor.name,
    expiresAt,
  })
  return {
    code,
    url: `${access.url}${CREW_APP_PATH}#pair=${code}`,
    expires_at: expiresAt.toISOString(),
    server_url: access.url,
    tls_fingerprint: access.tls.fingerprint_sha256,
    warning: access.warning,
  }
}

function refused(address: string, deps: CrewAccessDeps, error: ServiceError): never {
  deps.guard?.failed(address)
  throw error
}

/**
 * A phone trades a code for a crew token bound to a new device record. Public: the code is the
 * credential, so every code that does not pair counts as a wrong token from that address (the
 * route refuses an address over that budget before it gets here).
 */
export async function pairDevice(
  deps: CrewAccessDeps,
  input: { code: string; device_name?: string; address: string },
): Promise<PairedDevice> {
  const codeHash = hashCode(input.code)
  const token = generateToken()
  const paired = await deps.db.transaction().execute(async (trx) => {
    const repository = createDevicesRepository(trx)
    const taken = await repository.takeCode(codeHash)
    if (!taken) return null
    const crew = await repository.crewExists(taken.crew_id)
    if (!crew) return null
    const name = input.device_name ?? 'Phone'
    const row = await createAuthRepository(trx).insertToken({
      name,
      role: 'crew',
      crewId: taken.crew_id,
      hash: hashToken(token),
      prefix: tokenPrefix(token),
      createdBy: `pairing ${taken.pairing_id}`,
    })
    const deviceId = await repository.insertDevice({
      crewId: taken.crew_id,
      tokenId: row.token_id,
      pairingId: taken.pairing_id,
      name,
    })
    await repository.audit({
      actor: name,
      actorRole: 'crew',
      action: 'device.pair',
      entityId: String(deviceId),
      detail: { crew_id: taken.crew_id, token_id: row.token_id, address: input.address },
      requestId: null,
    })
    return { token, crew_id: taken.crew_id, crew_name: crew.name, device_id: deviceId }
  })
  if (paired) return paired
  const spent = await createDevicesRepository(deps.db).spentCode(codeHash)
  if (spent?.state === 'used') {
    refused(
      input.address,
      deps,
      new ServiceError(
        'conflict',
        'pairing_used',
        'code: this pairing code was already used; ask the dispatcher for a new one',
      ),
    )
  }
  if (spent?.state === 'expired') {
    refused(
      input.address,
      deps,
      new ServiceError(
        'conflict',
        'pairing_expired',
        'code: this pairing code has expired (codes last 10 minutes); ask the dispatcher for a new one',
      ),
    )
  }
  refused(
    input.address,
    deps,
    new ServiceError(
      'not_found',
      'pairing_unknown',
      'code: no such pairing code; check it against the dispatcher’s screen or scan the QR code again',
    ),
  )
}

/** Who a crew token is: its crew and, for a paired phone, its device. */
export async function crewMe(deps: CrewAccessDeps, _input: unknown, actor: Actor): Promise<CrewMe> {
  const repository = createDevicesRepository(deps.db)
  const crewId = actor.crewId
  const crew = crewId ? await repository.crewExists(crewId) : null
  if (!crewId || !crew) {
    throw new ServiceError('not_found', 'crew_not_found', 'this token names no crew')
  }
  const device = actor.tokenId !== null ? await repository.deviceByToken(actor.tokenId) : undefined
  return {
    crew_id: crewId,
    crew_name: crew.name,
    device_id: device?.device_id ?? null,
    van_capacity: crew.van_capacity,
  }
}

export async function listDevices(deps: CrewAccessDeps): Promise<Device[]> {
  return (await createDevicesRepository(deps.db).list()).map(toDevice)
}

/**
 * Signs a phone out at once: its token is revoked, this server's cache forgets it, and NOTIFY
 * `devices` tells every server sharing the database (and the crew's open event stream). Revoking
 * a revoked device answers it as it is, so a retry is harmless.
 */
export async function revokeDevice(
  deps: CrewAccessDeps,
  input: { device_id: number },
  actor: Actor,
): Promise<Device> {
  const row = await deps.db.transaction().execute(async (trx) => {
    const repository = createDevicesRepository(trx)
    const device = await repository.device(input.device_id)
    if (!device) return null
    if (await repository.revokeToken(device.token_id, actor.name)) {
      await repository.audit({
        actor: actor.name,
        actorRole: actor.role,
        action: 'device.revoke',
        entityId: String(device.device_id),
        detail: { crew_id: device.crew_id, token_id: device.token_id },
        requestId: actor.requestId ?? null,
      })
      await repository.notifyRevoked({ device_id: device.device_id, token_id: device.token_id })
    }
    return repository.device(input.device_id)
  })
  if (!row) {
    throw new ServiceError(
      'not_found',
      'device_not_found',
      `device_id: no device ${input.device_id}`,
    )
  }
  deps.auth.forget(row.token_id)
  return toDevice(row)
}
