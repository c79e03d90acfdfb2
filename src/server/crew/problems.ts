import { sql } from 'kysely'
import type {
  Problem,
  ProblemListQuery,
  ProblemRequest,
  ResolveProblemRequest,
} from '../../shared/crew-work.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/savepoint.js'
import { writeAudit } from '../dispatch/dispatch.repository.js'
import { ServiceError } from '../errors.js'
import type { CrewWorkDeps } from './crew-work.js'
import { decodePhoto, type Photo } from './photo.js'

/** Channel a problem reported or resolved is announced on (consoles show it as it happens). */
export const PROBLEMS_CHANNEL = 'problems'

interface ProblemRow {
  problem_id: number
  system_id: string
  station_id: string
  station_name: string
  kind: Problem['kind']
  note: string | null
  has_photo: boolean
  reported_by: string
  crew_id: string | null
  created_at: Date
  resolved_at: Date | null
  resolved_by: string | null
  resolution_note: string | null
}

function toProblem(row: ProblemRow): Problem {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    resolved_at: row.resolved_at?.toISOString() ?? null,
  }
}

const PROBLEM_SELECT = sql`
  select p.problem_id, p.system_id, p.station_id, s.name as station_name, p.kind, p.note,
         p.photo_type is not null as has_photo, p.reported_by, p.crew_id, p.created_at,
         p.resolved_at, p.resolved_by, p.resolution_note
    from problems p
    join stations s on s.system_id = p.system_id and s.station_id = p.station_id`

async function problemById(db: Database, id: number): Promise<Problem> {
  const { rows } = await sql<ProblemRow>`${PROBLEM_SELECT} where p.problem_id = ${id}`.execute(db)
  if (!rows[0]) throw new ServiceError('not_found', 'problem_not_found', `no problem ${id}`)
  return toProblem(rows[0])
}

async function announce(db: Database, problem: Problem, event: string): Promise<void> {
  const payload = JSON.stringify({
    problem_id: problem.problem_id,
    station_id: problem.station_id,
    kind: problem.kind,
    event,
  })
  await sql`select pg_notify(${PROBLEMS_CHANNEL}, ${payload})`.execute(db)
}

/**
 * Where the problem is: a crew names a station of one of its tasks (held, or completed or given
 * back today); a dispatcher any station (system_id needed only when the id is in two systems).
 */
async function stationOf(db: Database, input: ProblemRequest, actor: Actor): Promise<string> {
  const { rows } = await sql<{ system_id: string; crew_task: boolean }>`
    select s.system_id,
           exists (select from tasks t
                    where t.system_id = s.system_id
                      and (t.from_station_id = s.station_id or t.to_station_id = s.station_id)
                      and (t.worker_id = ${actor.crewId} and (t.status = 'assigned'
                             or t.completed_at >= date_trunc('day', now()))
                           or exists (select from task_releases r
                                       where r.task_id = t.id and r.crew_id = ${actor.crewId}
                                         and r.at >= date_trunc('day', now())))) as crew_task
      from stations s
     where s.station_id = ${input.station_id}
       and (${input.system_id ?? null}::text is null or s.system_id = ${input.system_id ?? null})`.execute(
    db,
  )
  const allowed = actor.role === 'crew' ? rows.filter((row) => row.crew_task) : rows
  if (actor.role === 'crew' && rows.length > 0 && allowed.length === 0) {
    throw new ServiceError(
      'forbidden',
      'not_your_station',
      `station_id: "${input.station_id}" is not a station of crew ${actor.crewId ?? ''}'s tasks today`,
    )
  }
  if (allowed.length === 0) {
    throw new ServiceError(
      'not_found',
      'station_not_found',
      `station_id: no station "${input.station_id}"`,
    )
  }
  if (allowed.length > 1) {
    throw new ServiceError(
      'unprocessable',
      'system_required',
      `system_id: station "${input.station_id}" is in ${allowed.length} systems; say which`,
    )
  }
  return (allowed[0] as { system_id: string }).system_id
}

/** "Report a problem" at a station, with an optional photo; NOTIFY problems. */
export async function reportProblem(
  deps: CrewWorkDeps,
  input: ProblemRequest,
  actor: Actor,
  trx: Database = deps.db,
): Promise<Problem> {
  const photo: Photo | null = input.photo === undefined ? null : decodePhoto(input.photo)
  return inTransaction(trx, async (db) => {
    const systemId = await stationOf(db, input, actor)
    const { problem_id: id } = await db
      .insertInto('problems')
      .values({
        system_id: systemId,
        station_id: input.station_id,
        kind: input.kind,
        note: input.note ?? null,
        photo: photo?.bytes ?? null,
        photo_type: photo?.type ?? null,
        reported_by: actor.name,
        crew_id: actor.role === 'crew' ? actor.crewId : null,
      })
      .returning('problem_id')
      .executeTakeFirstOrThrow()
    const problem = await problemById(db, id)
    await writeAudit(db, actor, [
      { action: 'problem.report', entity: 'problem', entityId: id, detail: { kind: input.kind } },
    ])
    await announce(db, problem, 'reported')
    return problem
  })
}

export async function listProblems(
  deps: CrewWorkDeps,
  query: ProblemListQuery,
): Promise<Problem[]> {
  const status = query.status ?? 'open'
  const { rows } = await sql<ProblemRow>`${PROBLEM_SELECT}
     where (${status} = 'all' or (${status} = 'open') = (p.resolved_at is null))
       and (${query.station_id ?? null}::text is null or p.station_id = ${query.station_id ?? null})
     order by p.created_at desc, p.problem_id desc
     limit 500`.execute(deps.db)
  return rows.map(toProblem)
}

export async function problemPhoto(deps: CrewWorkDeps, id: number): Promise<Photo> {
  const row = await deps.db
    .selectFrom('problems')
    .select(['photo', 'photo_type'])
    .where('problem_id', '=', id)
    .executeTakeFirst()
  if (!row) throw new ServiceError('not_found', 'problem_not_found', `no problem ${id}`)
  if (!row.photo || !row.photo_type) {
    throw new ServiceError('not_found', 'no_photo', `problem ${id} was reported without a photo`)
  }
  return { type: row.photo_type as Photo['type'], bytes: row.photo }
}

/** A dispatcher resolves a problem (again: 409 naming who did); NOTIFY problems. */
export async function resolveProblem(
  deps: CrewWorkDeps,
  id: number,
  input: ResolveProblemRequest,
  actor: Actor,
): Promise<Problem> {
  return inTransaction(deps.db, async (db) => {
    const updated = await db
      .updateTable('problems')
      .set({
        resolved_at: deps.now(),
        resolved_by: actor.name,
        resolution_note: input.note ?? null,
      })
      .where('problem_id', '=', id)
      .where('resolved_at', 'is', null)
      .executeTakeFirst()
    if (updated.numUpdatedRows === 0n) {
      const current = await problemById(db, id)
      throw new ServiceError(
        'conflict',
        'already_resolved',
        `problem ${id} was resolved by ${current.resolved_by ?? 'someone'} at ${current.resolved_at ?? ''}`,
      )
    }
    const problem = await problemById(db, id)
    await writeAudit(db, actor, [{ action: 'problem.resolve', entity: 'problem', entityId: id }])
    await announce(db, problem, 'resolved')
    return problem
  })
}
