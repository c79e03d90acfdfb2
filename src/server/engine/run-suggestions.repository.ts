import type { Suggestion } from '../../shared/dispatch.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { insertSuggestion, writeAudit } from '../dispatch/dispatch.repository.js'
import { toSuggestion } from '../dispatch/dispatch.service.js'
import { supersedeOpen } from './engine.repository.js'

export interface RunProposal {
  from: { row: { station_id: string } }
  to: { row: { station_id: string } }
  qty: number
  value: number
  reason: string
}

/**
 * Writes a run's suggestions and supersedes the source's older open ones, on `trx`: the caller's
 * one transaction, so that a failure anywhere leaves the old suggestions open and adds none.
 */
export async function keepRun(
  trx: Database,
  /** Who the suggestions are by: the engine. */
  engine: Actor,
  systemId: string,
  source: 'engine' | 'seed_heuristic',
  proposals: readonly RunProposal[],
): Promise<{ created: Suggestion[]; superseded: { id: number }[] }> {
  const created: Suggestion[] = []
  for (const proposal of proposals) {
    const row = await insertSuggestion(trx, {
      system_id: systemId,
      from_station_id: proposal.from.row.station_id,
      to_station_id: proposal.to.row.station_id,
      qty: proposal.qty,
      reason: proposal.reason,
      value: proposal.value,
      source,
      created_by: engine.name,
    })
    created.push(toSuggestion({ ...row, task_id: null }))
  }
  await writeAudit(
    trx,
    engine,
    created.map((suggestion) => ({
      action: 'suggestion.create',
      entity: 'suggestion',
      entityId: suggestion.id,
      detail: {
        from: suggestion.from_station_id,
        to: suggestion.to_station_id,
        qty: suggestion.qty,
      },
    })),
  )
  const superseded = await supersedeOpen(trx, {
    systemId,
    source,
    keep: created.map((suggestion) => suggestion.id),
    byPair: new Map(
      created.map((suggestion) => [
        `${suggestion.from_station_id}\u001f${suggestion.to_station_id}`,
        suggestion.id,
      ]),
    ),
    fallback: created[0]?.id ?? null,
    decidedBy: engine.name,
  })
  return { created, superseded }
}
