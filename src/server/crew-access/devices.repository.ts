import { sql } from 'kysely'
import { DEVICE_CHANNEL } from './device-events.js'
import type { Database } from '../db/database.js'

export interface DeviceRow {
  device_id: number
  crew_id: string
  token_id: number
  name: string
  paired_at: Date
  last_contact_at: Date | null
  revoked_at: Date | null
}

/** Why a code did not pair: it was never made, or was used, or ran out. */
export type SpentCode = { state: 'used' | 'expired'; crew_id: string } | null

/** All SQL about pairing codes and the devices they pair (migration 0010). */
export function createDevicesRepository(db: Database) {
  const devices = () =>
    db
      .selectFrom('crew_devices as d')
      .innerJoin('api_tokens as t', 't.token_id', 'd.token_id')
      .select([
        'd.device_id',
        'd.crew_id',
        'd.token_id',
        'd.name',
        'd.paired_at',
        't.last_used_at as last_contact_at',
        't.revoked_at',
      ])

  return {
    async crewExists(
      crewId: string,
    ): Promise<{ name: string; van_capacity: number | null } | null> {
      const row = await db
        .selectFrom('crews')
        .select(['name', 'van_capacity'])
        .where('crew_id', '=', crewId)
        .executeTakeFirst()
      return row ?? null
    },

    async insertPairing(pairing: {
      crewId: string
      codeHash: Buffer
      createdBy: string
      expiresAt: Date
    }): Promise<void> {
      await db
        .insertInto('crew_pairings')
        .values({
          crew_id: pairing.crewId,
          code_hash: pairing.codeHash,
          created_by: pairing.createdBy,
          expires_at: pairing.expiresAt,
        })
        .execute()
    },

    /**
     * Marks a live code used and says whose it is, in one statement: of two phones sending the
     * same code at once, exactly one gets the crew.
     */
    async takeCode(codeHash: Buffer): Promise<{ pairing_id: number; crew_id: string } | null> {
      const row = await db
        .updateTable('crew_pairings')
        .set({ used_at: sql<Date>`now()` })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returning(['pairing_id', 'crew_id'])
        .executeTakeFirst()
      return row ?? null
    },

    async spentCode(codeHash: Buffer): Promise<SpentCode> {
      const row = await db
        .selectFrom('crew_pairings')
        .select(['crew_id', 'used_at'])
        .where('code_hash', '=', codeHash)
        .executeTakeFirst()
      if (!row) return null
      return { state: row.used_at ? 'used' : 'expired', crew_id: row.crew_id }
    },

    async insertDevice(device: {
      crewId: string
      tokenId: number
      pairingId: number
      name: string
    }): Promise<number> {
      const row = await db
        .insertInto('crew_devices')
        .values({
          crew_id: device.crewId,
          token_id: device.tokenId,
          pairing_id: device.pairingId,
          name: device.name,
        })
        .returning('device_id')
        .executeTakeFirstOrThrow()
      return row.device_id
    },

    deviceByToken(tokenId: number): Promise<DeviceRow | undefined> {
      return devices().where('d.token_id', '=', tokenId).executeTakeFirst()
    },

    device(deviceId: number): Promise<DeviceRow | undefined> {
      return devices().where('d.device_id', '=', deviceId).executeTakeFirst()
    },

    /** Every device, newest pairing first within each crew. */
    list(): Promise<DeviceRow[]> {
      return devices().orderBy('d.crew_id').orderBy('d.paired_at', 'desc').execute()
    },

    /** Revokes the device's token; false when it was already revoked. */
    async revokeToken(tokenId: number, by: string): Promise<boolean> {
      const rows = await db
        .updateTable('api_tokens')
        .set({ revoked_at: sql<Date>`now()`, revoked_by: by })
        .where('token_id', '=', tokenId)
        .where('revoked_at', 'is', null)
        .returning('token_id')
        .execute()
      return rows.length > 0
    },

    /** Sent on commit: crew-work's event stream closes on it, every server forgets the token. */
    async notifyRevoked(event: { device_id: number; token_id: number }): Promise<void> {
      await sql`select pg_notify(${DEVICE_CHANNEL}::text, ${JSON.stringify({ ...event, event: 'revoked' })})`.execute(
        db,
      )
    },

    async audit(entry: {
      actor: string
      actorRole: string
      action: string
      entityId: string
      detail: Record<string, unknown>
      requestId: string | null
    }): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({
          actor: entry.actor,
          actor_role: entry.actorRole,
          action: entry.action,
          entity: 'crew_device',
          entity_id: entry.entityId,
          detail: JSON.stringify(entry.detail),
          request_id: entry.requestId,
        })
        .execute()
    },
  }
}
