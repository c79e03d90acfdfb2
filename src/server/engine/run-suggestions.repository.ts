import { sql } from 'kysely'
import type { Suggestion } from '../../shared/dispatch.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { insertSuggestion, writeAudit } from '../dispatch/dispatch.repository.js'
import { toSuggestion } from '../dispatch/dispatch.service.js'

/** A station as the run saw it: its id and its latest numbers. */
interface SeenStation {
  row: {
    station_id: string
    num_bikes_available: number | null
    num_docks_available: number | null
  }
}

export interface RunProposal {
  from: SeenStation
  to: SeenStation
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
      // The numbers the run planned from, kept beside the live ones the console shows.
      seen: {
        from_bikes: proposal.from.row.num_bikes_available,
        from_docks: proposal.from.row.num_docks_available,
        to_bikes: proposal.to.row.num_bikes_available,
        to_docks: proposal.to.row.num_docks_available,
      },
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

export interface CoveringRow {
  kind: 'task' | 'suggestion'
  status: string
  source: string | null
  from_station_id: string
  to_station_id: string
  qty: number
}

/**
 * What already covers a pair: ready and assigned tasks (their bikes are as good as moved), and
 * open suggestions from anyone but `source` (a dispatcher's or an outside engine's).
 */
export async function coveringWork(
  db: Database,
  systemId: string,
  source: string,
): Promise<CoveringRow[]> {
  const { rows } = await sql<CoveringRow>`
    select 'task' as kind, status::text as status, null as source,
           from_station_id, to_station_id, qty
      from tasks
     where system_id = ${systemId} and status in ('ready', 'assigned')
    union all
    select 'suggestion', status::text, source::text, from_station_id, to_station_id, qty
      from suggestions
     where system_id = ${systemId} and status = 'open' and source::text <> ${source}`.execute(db)
  return rows
}

/**
 * Marks `source`'s open suggestions created before this run as superseded, each by the new one
 * for the same pair when there is one, else by the run's most valuable one (or none). Only rows
 * still open are touched: one a dispatcher approved meanwhile stays approved.
 */
export async function supersedeOpen(
  db: Database,
  options: {
    systemId: string
    source: 'engine' | 'seed_heuristic'
    keep: readonly number[]
    byPair: ReadonlyMap<string, number>
    fallback: number | null
    decidedBy: string
  },
): Promise<{ id: number; superseded_by: number | null }[]> {
  const pairs = [...options.byPair.entries()]
  const { rows } = await sql<{ id: number; superseded_by: number | null }>`
    with stale as (
      select id, from_station_id || chr(31) || to_station_id as pair
        from suggestions
       where system_id = ${options.systemId} and source = ${options.source}::suggestion_source
         and status = 'open' and id <> all(${options.keep}::bigint[])
       for update skip locked
    ), replacement as (
      select * from unnest(${pairs.map(([pair]) => pair)}::text[],
                           ${pairs.map(([, id]) => id)}::bigint[]) as r (pair, id)
    )
    update suggestions s
       set status = 'superseded', decided_at = now(), decided_by = ${options.decidedBy},
           superseded_by = coalesce(r.id, ${options.fallback}::bigint)
      from stale left join replacement r using (pair)
     where s.id = stale.id
    returning s.id, s.superseded_by`.execute(db)
  return rows
}
