import { useCallback, useState } from 'react'

export type Copied = 'no' | 'yes' | 'failed'

/** Copies text to the clipboard and says how that went ("failed": copy it by hand). */
export function useCopy(): {
  copied: Copied
  copy: (text: string | null) => void
  reset: () => void
} {
  const [copied, setCopied] = useState<Copied>('no')
  const copy = useCallback((text: string | null) => {
    // The clipboard API needs a secure context: a LAN browser on plain http may refuse it.
    const clipboard = navigator.clipboard as Clipboard | undefined
    if (text === null || !clipboard) {
      setCopied('failed')
      return
    }
    clipboard.writeText(text).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    )
  }, [])
  const reset = useCallback(() => setCopied('no'), [])
  return { copied, copy, reset }
}

/** After a refused copy: what to do instead. */
export function CopyFailed({ copied, what }: { copied: Copied; what: string }) {
  if (copied !== 'failed') return null
  return (
    <p className="error-text">
      {`This browser would not copy: select the ${what} and copy it by hand.`}
    </p>
  )
}
