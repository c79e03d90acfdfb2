import type { CrewAccess } from '../../../shared/crew-access'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `crew` on /health (a console's token only): where phones reach the server. */
export function isCrewAccess(value: unknown): value is CrewAccess {
  return (
    isRecord(value) &&
    typeof value.url === 'string' &&
    typeof value.reachable_from_lan === 'boolean' &&
    typeof value.loopback_only === 'boolean' &&
    isRecord(value.tls) &&
    typeof value.tls.enabled === 'boolean' &&
    (value.tls.fingerprint_sha256 === null || typeof value.tls.fingerprint_sha256 === 'string') &&
    (value.warning === null || typeof value.warning === 'string')
  )
}
