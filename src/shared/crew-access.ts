import { z } from 'zod'
import { crewMeWorkFields } from './crew-work.js'
import { crewIdSchema, idParamSchema } from './dispatch.js'

/**
 * Pairing a phone and the address it reaches the server at (issue 15, crew-access): the request
 * and answer shapes the server's routes validate and the phone and console read.
 */

const isoTime = z.iso.datetime({ offset: true })

/** Pairing codes: no 0/O, 1/I/L, so one can be typed from a screen without doubt. */
export const PAIRING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
export const PAIRING_CODE_LENGTH = 10

export const pairingCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .transform((code) => code.replace(/[\s-]/g, ''))
  .pipe(
    z
      .string()
      .regex(
        new RegExp(`^[${PAIRING_ALPHABET}]{${PAIRING_CODE_LENGTH}}$`),
        `must be the ${PAIRING_CODE_LENGTH}-character pairing code from the QR code or link`,
      ),
  )

export const crewParamsSchema = z.object({ crew_id: crewIdSchema }).strict()
export const deviceParamsSchema = z.object({ device_id: idParamSchema }).strict()

export const pairingSchema = z
  .object({
    code: z.string().meta({ description: 'One-time, valid 10 minutes: the fallback to type' }),
    url: z.string().meta({
      description: '<server_url>/crew/#pair=<code>: the code in the fragment never reaches a log',
    }),
    expires_at: isoTime,
    server_url: z.string(),
    tls_fingerprint: z
      .string()
      .nullable()
      .meta({ description: "SHA-256 of the server's certificate (null: plain HTTP)" }),
    warning: z.string().nullable(),
  })
  .meta({ id: 'Pairing' })
export type Pairing = z.infer<typeof pairingSchema>

export const pairRequestSchema = z
  .object({
    code: pairingCodeSchema,
    device_name: z.string().trim().min(1, 'must not be empty').max(100).optional(),
  })
  .strict()
export type PairRequest = z.input<typeof pairRequestSchema>

export const pairedDeviceSchema = z
  .object({
    token: z.string().meta({ description: 'The device token, shown this once' }),
    crew_id: z.string(),
    crew_name: z.string(),
    device_id: z.int(),
  })
  .meta({ id: 'PairedDevice' })
export type PairedDevice = z.infer<typeof pairedDeviceSchema>

/** Who a crew token is, with crew-work's `shift` and `bikes_moved_today` (crewSummary). */
export const crewMeSchema = z
  .object({
    crew_id: z.string(),
    crew_name: z.string(),
    device_id: z.int().nullable(),
    van_capacity: z.int().nullable(),
    ...crewMeWorkFields,
  })
  .meta({ id: 'CrewMe' })
export type CrewMe = z.infer<typeof crewMeSchema>

export const deviceSchema = z
  .object({
    device_id: z.int(),
    crew_id: z.string(),
    name: z.string(),
    paired_at: isoTime,
    last_contact_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
  })
  .meta({ id: 'Device' })
export type Device = z.infer<typeof deviceSchema>

/** Where a phone reaches this server, on AppStatus (`GET /health`, app:status). */
export const crewAccessSchema = z.object({
  url: z.string(),
  reachable_from_lan: z.boolean(),
  loopback_only: z.boolean(),
  tls: z.object({ enabled: z.boolean(), fingerprint_sha256: z.string().nullable() }),
  warning: z.string().nullable(),
})
export type CrewAccess = z.infer<typeof crewAccessSchema>

/** What a device revocation announces on NOTIFY `devices` (crew-work's stream closes on it). */
export interface DeviceEvent {
  device_id: number
  token_id: number
  event: 'revoked'
}
