import type { DeviceEvent } from '../../shared/crew-access.js'
import type { AuthService } from '../auth/auth.service.js'
import type { NotifyHub } from '../events/notify-hub.js'

/** NOTIFY channel of device revocations: `{device_id, token_id, event: 'revoked'}`. */
export const DEVICE_CHANNEL = 'devices'

export function parseDeviceEvent(payload: string): DeviceEvent | null {
  try {
    const value = JSON.parse(payload) as Partial<DeviceEvent>
    return typeof value.device_id === 'number' &&
      typeof value.token_id === 'number' &&
      value.event === 'revoked'
      ? (value as DeviceEvent)
      : null
  } catch {
    return null
  }
}

/**
 * Every server sharing the database forgets a revoked device's token as soon as the revocation
 * commits, instead of trusting its cache for up to 10 s more.
 */
export function forgetRevokedDevices(
  hub: NotifyHub,
  auth: Pick<AuthService, 'forget'>,
): () => void {
  return hub.subscribe((event) => {
    if (event.channel !== DEVICE_CHANNEL) return
    const revoked = parseDeviceEvent(event.payload)
    if (revoked) auth.forget(revoked.token_id)
  })
}
