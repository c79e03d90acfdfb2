import { useCallback, useMemo, useState } from 'react'
import { Empty, Loaded, Refreshing } from '../common/states'
import { useNow } from '../common/useNow'
import { useResource } from '../common/useResource'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { useDevices, type CrewSources } from './crew-sources'
import type { CrewWithWork, Device } from './crew-types'
import { CrewsTable } from './CrewsTable'
import { DevicesTable } from './DevicesTable'
import { PairingPanel } from './PairingPanel'
import { TokensPanel } from './TokensPanel'

/**
 * Crews with their shift, task, last contact and bikes moved today; phones paired with them
 * ("Pair a phone", "Revoke"); tokens handed out and revoked (dispatchers).
 */
export function CrewsView({
  client,
  session,
  timeZone,
  sources = {},
}: ViewProps & { sources?: CrewSources }) {
  const now = useNow(10_000)
  const loadCrews = useCallback(
    (): Promise<CrewWithWork[]> => client.invoke('crews:list'),
    [client],
  )
  const crews = useResource(client, loadCrews, {
    events: ['tasks:changed', 'app:resync'],
    intervalMs: 30_000,
  })
  const devices = useDevices(sources.devices)
  const [pairing, setPairing] = useState<CrewWithWork | null>(null)
  const dispatcher = canDispatch(session)
  const pairingSource = dispatcher ? sources.pairing : undefined
  const devicesSource = dispatcher ? sources.devices : undefined

  const names = useMemo(
    () => new Map((crews.data ?? []).map((crew) => [crew.crew_id, crew.name])),
    [crews.data],
  )
  const crewName = useCallback((id: string) => names.get(id) ?? id, [names])
  const create = useCallback(
    (crewId: string) => {
      if (!pairingSource) return Promise.reject(new Error('Pairing is not offered here'))
      return pairingSource.create(crewId)
    },
    [pairingSource],
  )
  const reloadDevices = devices.reload
  const closePairing = useCallback(() => {
    setPairing(null)
    reloadDevices()
  }, [reloadDevices])
  const revoke = devicesSource
    ? (device: Device) => devicesSource.revoke(device.device_id)
    : undefined

  return (
    <section className="view">
      <header className="view-header">
        <h1>Crews</h1>
        <Refreshing active={crews.loading || devices.loading} />
      </header>

      <section className="panel" aria-labelledby="crews-title">
        <header className="panel-header">
          <h2 id="crews-title">Crews</h2>
          <span className="panel-meta">
            Healthy: heard within 5 min · Warning: within 15 min · Critical: longer
          </span>
        </header>
        <Loaded resource={crews} what="crews">
          {(list) =>
            list.length === 0 ? (
              <Empty title="No crews yet">
                Create a crew token below; the crew appears with it.
              </Empty>
            ) : (
              <CrewsTable
                crews={list}
                devices={devices.data}
                now={now}
                timeZone={timeZone}
                {...(pairingSource ? { onPair: setPairing } : {})}
              />
            )
          }
        </Loaded>
      </section>

      <section className="panel" aria-labelledby="phones-title">
        <header className="panel-header">
          <h2 id="phones-title">Paired phones</h2>
          <span className="panel-meta">Revoking a phone signs it out at once</span>
        </header>
        {devices.absent ? (
          <Empty title="Phones are not listed by this server">
            Pairing phones by QR code needs a server with the crew app; until then crews sign in
            with a crew token made below.
          </Empty>
        ) : (
          <Loaded resource={devices} what="phones">
            {(list) =>
              list.length === 0 ? (
                <Empty title="No phone paired yet">
                  {pairingSource ? 'Choose "Pair a phone" beside a crew above.' : null}
                </Empty>
              ) : (
                <DevicesTable
                  devices={list}
                  crewName={crewName}
                  now={now}
                  timeZone={timeZone}
                  {...(revoke ? { onRevoke: revoke } : {})}
                />
              )
            }
          </Loaded>
        )}
      </section>

      {dispatcher && (
        <TokensPanel client={client} now={now} timeZone={timeZone} onChange={crews.reload} />
      )}

      {pairing && pairingSource && (
        <PairingPanel
          crewId={pairing.crew_id}
          crewName={pairing.name}
          create={create}
          onClose={closePairing}
        />
      )}
    </section>
  )
}
