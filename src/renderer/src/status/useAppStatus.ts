import { useCallback, useEffect, useRef, useState } from 'react'
import type { AppStatus } from '../../../shared/contract'
import type { ConsoleClient } from '../api/client'

export interface AppStatusView {
  /** The last status heard, by answer or by push; null until the first arrives. */
  status: AppStatus | null
  /** Why the last request for the status failed; cleared by the next status heard. */
  error: string | null
  checking: boolean
  retry: () => void
}

export function useAppStatus(client: ConsoleClient): AppStatusView {
  const [status, setStatus] = useState<AppStatus | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [checking, setChecking] = useState(true)
  // A Retry clicked twice must not let the slower, older answer win.
  const latestRequest = useRef(0)

  const load = useCallback(() => {
    const request = ++latestRequest.current
    client.invoke('app:status').then(
      (answer) => {
        if (request !== latestRequest.current) return
        setStatus(answer)
        setError(null)
        setChecking(false)
      },
      (failure: unknown) => {
        if (request !== latestRequest.current) return
        setError(failure instanceof Error ? failure.message : String(failure))
        setChecking(false)
      },
    )
  }, [client])

  useEffect(() => {
    load()
    return client.on('app:status', (pushed) => {
      setStatus(pushed)
      setError(null)
    })
  }, [client, load])

  const retry = useCallback(() => {
    setChecking(true)
    load()
  }, [load])

  return { status, error, checking, retry }
}
