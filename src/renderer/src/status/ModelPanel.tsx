import { useCallback } from 'react'
import type { EngineModelStatus } from '../../../shared/operations/engine-model'
import type { ConsoleClient } from '../api/client'
import { useResource } from '../common/useResource'
import { Fact } from './Fact'
import { formatCheckedAt } from './format'

const mae = (value: number | null) => (value === null ? '—' : value.toFixed(3))

/** A date of the model's range, as the depot reads it ("Feb 1, 2018"). */
function day(iso: string): string {
  const at = new Date(iso)
  return Number.isNaN(at.getTime())
    ? iso
    : at.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
}

function SystemModel({ model }: { model: EngineModelStatus }) {
  const { active, last_check: check } = model
  return (
    <>
      {check?.kept_previous && (
        <p className="notice notice-warn" role="alert">
          {`The engine kept model v${check.previous_version}: a new fit was worse on the last ${check.held_out_days} days with trips (MAE ${mae(check.new_mae)} against ${mae(check.previous_mae)} for the model in use). It fits again when newer trips arrive or in a day.`}
        </p>
      )}
      <dl className="facts">
        <Fact label={`Model in use (${model.system_id})`}>
          {active
            ? `v${active.version}, fitted on ${active.weekdays} weekdays and ${active.weekend_days} weekend days with trips, ${day(active.fitted_from)} to ${day(active.fitted_to)}`
            : 'None yet: import trips, then run the engine'}
        </Fact>
        {active && (
          <Fact label="Its accuracy when fitted">
            {active.mae === null
              ? 'Not measured (fewer than 14 days with trips)'
              : `MAE ${mae(active.mae)} of 15-minute counts on held-out days (seasonal-naive ${mae(active.baseline_mae)})`}
          </Fact>
        )}
        {check && (
          <Fact label="Last new fit">
            {`${formatCheckedAt(check.checked_at)}: MAE ${mae(check.new_mae)} against ${mae(check.previous_mae)} for v${check.previous_version} on ${check.held_out_days} held-out days; ${check.kept_previous ? `v${check.previous_version} kept` : 'the new fit replaced it'}`}
          </Fact>
        )}
      </dl>
    </>
  )
}

/** The suggestion engine's demand model per system, and whether the last new fit replaced it. */
export function ModelPanel({ client }: { client: ConsoleClient }) {
  const load = useCallback(() => client.invoke('engine:models'), [client])
  const models = useResource(client, load, { events: ['stations:changed'] })
  return (
    <section className="panel" aria-labelledby="engine-model-title">
      <header className="panel-header">
        <h2 id="engine-model-title">Demand model</h2>
        <span className="panel-meta">What the suggestion engine forecasts demand with</span>
      </header>
      {models.error ? (
        <p className="muted crew-access-none">{models.error}</p>
      ) : models.data && models.data.length > 0 ? (
        models.data.map((model) => <SystemModel key={model.system_id} model={model} />)
      ) : (
        <p className="muted crew-access-none">
          {models.data ? 'No model yet: import trips, then run the engine.' : 'Loading…'}
        </p>
      )}
    </section>
  )
}
