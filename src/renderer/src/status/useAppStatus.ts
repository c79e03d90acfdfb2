import { useCallback, useEffect } from 'react'
import type { AppStatus } from '../../../shared/contract'
import type { ConsoleClient } from '../api/client'
import { useLatestAnswer } from '../common/useResource'

export interface AppStatusView {
  /** The last status heard, by answer or by push; null until the first arrives. */
  status: AppStatus | null
  /** Why the last request for the status failed; cleared by the next status heard. */
  error: string | null
  checking: boolean
  retry: () => void
}

export function useAppStatus(client: ConsoleClient): AppStatusView {
  const fetchStatus = useCallback(() => client.invoke('app:status'), [client])
  const {
    data: status,
    error,
    loading: checking,
    run,
    reload: retry,
    heard,
  } = useLatestAnswer(fetchStatus)

  useEffect(() => {
    run()
    return client.on('app:status', heard)
  }, [client, run, heard])

  return { status, error, checking, retry }
}
