import QRCode from 'qrcode'
import { useCallback, useEffect, useState } from 'react'
import { Dialog } from '../common/Dialog'
import { messageOf } from '../common/format'
import { CopyFailed, useCopy } from '../common/useCopy'
import { useNow } from '../common/useNow'
import type { Pairing } from './crew-types'

/**
 * The QR code as an <img> source: drawn here as SVG text (no canvas, nothing from the network)
 * and given as a data: URL, which the console's CSP allows for images (src/shared/csp.ts).
 */
export async function qrImageSource(url: string): Promise<string> {
  const svg = await QRCode.toString(url, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    color: { dark: '#000000', light: '#ffffff' },
  })
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
}

/** "9:42" left of a code's ten minutes; null once it has run out. */
export function timeLeft(expiresAt: string, now: number): string | null {
  const seconds = Math.floor((Date.parse(expiresAt) - now) / 1000)
  if (!(seconds > 0)) return null
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/** AB12CD34EF as AB12-CD34-EF: easier to read out and to type. */
function grouped(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code
}

/**
 * "Pair a phone" for one crew: asks for a one-time link on opening (and again on "New code"),
 * shows it as a QR code for the phone's camera and as a link to send, with the minutes left,
 * the certificate's fingerprint to check on the phone, and the server's warning when it has one.
 */
export function PairingPanel({
  crewId,
  crewName,
  create,
  onClose,
}: {
  crewId: string
  crewName: string
  /** POST /crews/{crew_id}/pairings */
  create: (crewId: string) => Promise<Pairing>
  onClose: () => void
}) {
  const now = useNow(1_000)
  const [pairing, setPairing] = useState<Pairing | null>(null)
  const [qr, setQr] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const { copied, copy, reset } = useCopy()
  const [asking, setAsking] = useState(0)

  useEffect(() => {
    let current = true
    create(crewId)
      .then(async (made) => {
        const image = await qrImageSource(made.url)
        if (!current) return
        setPairing(made)
        setQr(image)
        setError(null)
        reset()
      })
      .catch((failure: unknown) => {
        if (current) setError(messageOf(failure))
      })
    return () => {
      current = false
    }
  }, [create, crewId, asking, reset])

  const again = useCallback(() => {
    setPairing(null)
    setQr(null)
    setError(null)
    setAsking((n) => n + 1)
  }, [])

  const left = pairing ? timeLeft(pairing.expires_at, now) : null
  const expired = pairing !== null && left === null

  return (
    <Dialog
      id="pairing"
      className="pairing"
      title={`Pair a phone with ${crewName}`}
      onClose={onClose}
    >
      <div className="pairing-body">
        {error ? (
          <div className="pairing-error" role="alert">
            <p>
              <strong>No pairing link:</strong> {error}
            </p>
            <button type="button" className="button" onClick={again}>
              Try again
            </button>
          </div>
        ) : !pairing || !qr ? (
          <div className="state-box" aria-busy="true">
            <span className="spinner" aria-hidden="true" />
            <span>Making a one-time link…</span>
          </div>
        ) : (
          <>
            {pairing.warning && (
              <p className="notice notice-warn pairing-warning" role="alert">
                {pairing.warning}
              </p>
            )}
            <div className="pairing-main">
              <figure className={`pairing-qr${expired ? ' pairing-qr-expired' : ''}`}>
                <img src={qr} alt={`QR code of the pairing link for ${crewName}`} />
                {expired && <figcaption>Expired</figcaption>}
              </figure>
              <div className="pairing-text">
                <p>
                  On the crew&apos;s phone, open the camera and point it at the code, or send the
                  link below. The phone signs in as <strong>{crewName}</strong>; the link works
                  once.
                </p>
                <p className="pairing-expiry" aria-live="polite">
                  {expired ? (
                    <span className="error-text">
                      This code has expired: make a new one.{' '}
                      <button type="button" className="button button-small" onClick={again}>
                        New code
                      </button>
                    </span>
                  ) : (
                    <>
                      Expires in{' '}
                      <strong className="num" data-testid="pairing-countdown">
                        {left}
                      </strong>
                    </>
                  )}
                </p>
                <div className="pairing-link">
                  <code className="secret-value" data-testid="pairing-url">
                    {pairing.url}
                  </code>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => copy(pairing.url)}
                    disabled={expired}
                  >
                    {copied === 'yes' ? 'Copied' : 'Copy link'}
                  </button>
                </div>
                <CopyFailed copied={copied} what="link" />
                <p className="pairing-code">
                  Code to type if the camera fails:{' '}
                  <code className="num">{grouped(pairing.code)}</code>
                </p>
                {pairing.tls_fingerprint ? (
                  <div className="pairing-fingerprint">
                    <span>
                      Before pairing, check that the phone shows this certificate fingerprint
                      (SHA-256):
                    </span>
                    <code data-testid="pairing-fingerprint">{pairing.tls_fingerprint}</code>
                  </div>
                ) : (
                  <p className="hint">
                    Plain HTTP: the connection is not encrypted ({pairing.server_url}).
                  </p>
                )}
              </div>
            </div>
          </>
        )}
      </div>
    </Dialog>
  )
}
