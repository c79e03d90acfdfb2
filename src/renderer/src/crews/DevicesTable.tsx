import { useState } from 'react'
import { formatAgo, formatClock, formatFullTime, messageOf } from '../common/format'
import { ConfirmRevoke } from '../common/ConfirmRevoke'
import { ErrorNotice } from '../common/states'
import type { Device } from './crew-types'

/**
 * The phones paired with crews: name, crew, when paired, last contact; "Revoke" asks once more,
 * then signs the phone out (the row says revoked from the answer, before the next reload).
 */
export function DevicesTable({
  devices,
  crewName,
  now,
  timeZone,
  onRevoke,
}: {
  devices: readonly Device[]
  /** A crew's name by its id (the table shows names, ids below). */
  crewName: (crewId: string) => string
  now: number
  timeZone: string | null
  /** POST /crews/devices/{device_id}/revoke; absent: no Revoke buttons (analyst, or not served). */
  onRevoke?: (device: Device) => Promise<Device>
}) {
  const [confirming, setConfirming] = useState<number | null>(null)
  const [working, setWorking] = useState(false)
  const [revoked, setRevoked] = useState<Map<number, Device>>(() => new Map())
  const [failure, setFailure] = useState<string | null>(null)

  const revoke = (device: Device) => {
    if (!onRevoke) return
    setWorking(true)
    onRevoke(device)
      .then((answer) => {
        setRevoked((map) => new Map(map).set(device.device_id, answer))
        setFailure(null)
      })
      .catch((error: unknown) =>
        setFailure(`"${device.name}" was not revoked: ${messageOf(error)}`),
      )
      .finally(() => {
        setWorking(false)
        setConfirming(null)
      })
  }

  const rows = devices.map((device) => revoked.get(device.device_id) ?? device)
  // Active phones first, each crew's together, the newest pairing first.
  rows.sort(
    (a, b) =>
      Number(a.revoked_at !== null) - Number(b.revoked_at !== null) ||
      crewName(a.crew_id).localeCompare(crewName(b.crew_id)) ||
      b.paired_at.localeCompare(a.paired_at),
  )

  return (
    <>
      <ErrorNotice message={failure} />
      <table className="table" aria-label="Paired phones">
        <thead>
          <tr>
            <th>Phone</th>
            <th>Crew</th>
            <th>Paired</th>
            <th>Last contact</th>
            <th className="right">Access</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((device) => (
            <tr
              key={device.device_id}
              className={device.revoked_at ? 'row-revoked' : undefined}
              data-device-id={device.device_id}
            >
              <td className="strong">{device.name}</td>
              <td>
                {crewName(device.crew_id)}
                <span className="sub">{device.crew_id}</span>
              </td>
              <td title={formatFullTime(device.paired_at, timeZone)}>
                {formatClock(device.paired_at, timeZone)}
              </td>
              <td title={formatFullTime(device.last_contact_at, timeZone)}>
                {formatAgo(device.last_contact_at, now)}
              </td>
              <td className="right nowrap">
                {device.revoked_at ? (
                  <span
                    className="badge badge-quiet"
                    title={formatFullTime(device.revoked_at, timeZone)}
                  >
                    Revoked {formatClock(device.revoked_at, timeZone)}
                  </span>
                ) : !onRevoke ? (
                  <span className="badge badge-ok">Signed in</span>
                ) : (
                  <ConfirmRevoke
                    name={device.name}
                    asking={confirming === device.device_id}
                    question="Sign this phone out now?"
                    working={working}
                    onAsk={() => setConfirming(device.device_id)}
                    onRevoke={() => revoke(device)}
                    onKeep={() => setConfirming(null)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
