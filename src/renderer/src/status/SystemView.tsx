import type { ConsoleClient } from '../api/client'
import { Failure, Loading } from '../common/states'
import { ConnectionPanel } from './ConnectionPanel'
import { CrewAccessPanel } from './CrewAccessPanel'
import { ModelPanel } from './ModelPanel'
import { RunningSettings } from './RunningSettings'
import type { AppStatusView } from './useAppStatus'

/** The database and API this console runs on: where to look first when nothing loads. */
export function SystemView({
  status: view,
  client,
}: {
  status: AppStatusView
  client?: ConsoleClient
}) {
  const { status, error, checking, retry } = view
  return (
    <section className="view view-narrow">
      <header className="view-header">
        <h1>System</h1>
      </header>
      {error ? (
        <Failure
          title="Connection status unavailable"
          detail={`The console could not ask the dispatch server how it is doing: ${error}`}
          onRetry={retry}
        />
      ) : status ? (
        <>
          <ConnectionPanel status={status} checking={checking} onRetry={retry} />
          <RunningSettings running={status.running} />
          <CrewAccessPanel crew={status.crew} />
          {client && <ModelPanel client={client} />}
        </>
      ) : (
        <Loading what="the connection status" />
      )}
    </section>
  )
}
