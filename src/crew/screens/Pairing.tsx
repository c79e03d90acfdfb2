import { useState } from 'react'

/**
 * The first screen of an unpaired phone. Opened from the dispatcher's QR code the code comes in
 * the link's fragment and is traded at once; typing the code is the fallback.
 */
export function Pairing({ busy, onPair }: { busy: boolean; onPair: (code: string) => void }) {
  const [code, setCode] = useState('')
  return (
    <main className="screen">
      <h1>Pair this phone</h1>
      <p className="lead">
        Scan the QR code the dispatcher shows in the console (Crews, Pair a phone). Or type the
        pairing code here. It works once, for 10 minutes.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (code.trim()) onPair(code)
        }}
      >
        <div className="field">
          <label htmlFor="pair-code">Pairing code</label>
          <input
            id="pair-code"
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        </div>
        <button className="primary" type="submit" disabled={busy || !code.trim()}>
          {busy ? 'Pairing…' : 'Pair'}
        </button>
      </form>
    </main>
  )
}
