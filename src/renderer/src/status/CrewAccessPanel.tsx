import type { CrewAccess } from '../../../shared/crew-access'
import { Fact } from './Fact'

/** Shown when TLS is off: what it means for a crew's token, and how to change it. */
export const IN_CLEAR =
  'TLS is off: crew tokens cross the network in clear. Start the server with --tls auto (or "tls": "auto" in settings) to encrypt them.'

/** Where a crew's phone reaches this server, and whether anything stands in its way. */
export function CrewAccessPanel({ crew }: { crew: CrewAccess | undefined }) {
  return (
    <section className="panel" aria-labelledby="crew-access-title">
      <header className="panel-header">
        <h2 id="crew-access-title">Crew phones</h2>
        <span className="panel-meta">The address in pairing links and QR codes</span>
      </header>
      {!crew ? (
        <p className="muted crew-access-none">
          This console does not know where phones reach the server (it is not serving crews).
        </p>
      ) : (
        <>
          {crew.warning && (
            <p className="notice notice-warn" role="alert">
              {crew.warning}
            </p>
          )}
          {!crew.tls.enabled && <p className="notice notice-warn">{IN_CLEAR}</p>}
          <dl className="facts">
            <Fact label="Address for phones">
              <code>{crew.url}</code>
            </Fact>
            <Fact label="Reachable from the LAN">
              {crew.reachable_from_lan ? 'Yes' : crew.loopback_only ? 'No: loopback only' : 'No'}
            </Fact>
            <Fact label="TLS">{crew.tls.enabled ? 'On (HTTPS)' : 'Off (plain HTTP)'}</Fact>
            {crew.tls.fingerprint_sha256 && (
              <Fact label="Certificate SHA-256">
                <code className="fingerprint">{crew.tls.fingerprint_sha256}</code>
              </Fact>
            )}
          </dl>
        </>
      )}
    </section>
  )
}
