import { useCallback } from 'react'
import type { ConsoleClient } from '../api/client'
import { formatClock, formatFullTime, plural } from '../common/format'
import { Panel } from '../common/Panel'
import { Empty, Failure, Loading } from '../common/states'
import { useResource } from '../common/useResource'
import type { StationRef } from '../shell/routes'

/** The open suggestions and the latest tasks that take bikes from this station or bring them. */

export function WorkPanel({
  client,
  station,
  names,
  timeZone,
}: {
  client: ConsoleClient
  station: StationRef
  names: (stationId: string) => string
  timeZone: string | null
}) {
  const loadSuggestions = useCallback(
    () =>
      client.invoke('suggestions:list', {
        system: station.systemId,
        station: station.stationId,
        status: 'open',
      }),
    [client, station.systemId, station.stationId],
  )
  const loadTasks = useCallback(
    () =>
      client.invoke('tasks:list', {
        system: station.systemId,
        station: station.stationId,
        limit: 10,
      }),
    [client, station.systemId, station.stationId],
  )
  const suggestions = useResource(client, loadSuggestions, {
    events: ['tasks:changed', 'app:resync'],
  })
  const tasks = useResource(client, loadTasks, { events: ['tasks:changed', 'app:resync'] })
  const direction = (from: string, to: string) =>
    from === station.stationId ? `to ${names(to)}` : `from ${names(from)}`
  return (
    <Panel title="Suggestions and tasks">
      {suggestions.error || tasks.error ? (
        <Failure
          title="Suggestions and tasks unavailable"
          detail={suggestions.error ?? tasks.error ?? ''}
          onRetry={() => {
            suggestions.reload()
            tasks.reload()
          }}
        />
      ) : !suggestions.data || !tasks.data ? (
        <Loading what="suggestions and tasks" />
      ) : suggestions.data.length === 0 && tasks.data.tasks.length === 0 ? (
        <Empty title="Nothing planned here">No open suggestion or task touches this station.</Empty>
      ) : (
        <ul className="work-list">
          {suggestions.data.map((s) => (
            <li key={`s${s.id}`}>
              <span className="badge badge-warn">Suggested</span>
              <span className="num">{plural(s.qty, 'bike')}</span>
              <span>{direction(s.from_station_id, s.to_station_id)}</span>
              <span className="muted work-reason">{s.reason}</span>
            </li>
          ))}
          {tasks.data.tasks.map((t) => (
            <li key={`t${t.id}`}>
              <span
                className={`badge badge-${t.status === 'completed' ? 'ok' : t.status === 'canceled' ? 'quiet' : t.stale ? 'bad' : 'warn'}`}
              >
                Task #{t.id} {t.status}
              </span>
              <span className="num">{plural(t.qty, 'bike')}</span>
              <span>{direction(t.from_station_id, t.to_station_id)}</span>
              <span className="muted" title={formatFullTime(t.created_at, timeZone)}>
                {t.worker_id ? `crew ${t.worker_id} · ` : ''}
                {formatClock(t.created_at, timeZone)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  )
}
