import pg from 'pg'
import type { CrewStats } from './crew-loop.js'

/** The end of the run, in the database: what happened to every task handed out. */
export interface Invariants {
  handedOut: number
  completed: number
  /** Handed out (in task_assignments) but not completed. */
  notCompleted: number[]
  /** Completed more than once in the audit log or the assignment history. */
  doubleCompleted: number[]
  stillAssigned: number[]
  /** Handed to two different crews. */
  twoCrews: number[]
  /** Handed out more than once (to any crew): crews never give tasks back here. */
  handedTwice: number
  /** Completed in the database but no crew saw its completion answered (or the reverse). */
  completedUnseen: number[]
  seenNotCompleted: number[]
  /** Handed to a crew in the database that no crew was told about. */
  claimsUnseen: number[]
}

const ids = (rows: { id: string | number }[]) => rows.map((row) => Number(row.id))

export async function checkInvariants(url: string, stats: CrewStats): Promise<Invariants> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const one = async (text: string) => ids((await client.query<{ id: string }>(text)).rows)
    const counts = await client.query<{ handed: string; completed: string; twice: string }>(`
      select (select count(distinct task_id) from task_assignments) as handed,
             (select count(*) from tasks where status = 'completed') as completed,
             (select count(*) from (select task_id from task_assignments
                                     group by task_id having count(*) > 1) d) as twice`)
    const row = counts.rows[0]
    const notCompleted = await one(`
      select distinct a.task_id as id from task_assignments a join tasks t on t.id = a.task_id
       where t.status <> 'completed' order by 1`)
    const doubleCompleted = await one(`
      select id from (
        select entity_id::bigint as id from audit_log
         where action = 'task.complete' and entity = 'task' group by entity_id having count(*) > 1
        union
        select task_id from task_assignments where outcome = 'completed'
         group by task_id having count(*) > 1) d order by 1`)
    const stillAssigned = await one(`select id from tasks where status = 'assigned' order by id`)
    const twoCrews = await one(`
      select task_id as id from task_assignments group by task_id
      having count(distinct worker_id) > 1 order by 1`)
    const completedIds = new Set(
      await one(`select id from tasks where status = 'completed' order by id`),
    )
    const handedIds = new Set(await one(`select distinct task_id as id from task_assignments`))
    const seenCompleted = new Set(stats.completed.keys())
    return {
      handedOut: Number(row?.handed ?? 0),
      completed: Number(row?.completed ?? 0),
      notCompleted,
      doubleCompleted,
      stillAssigned,
      twoCrews,
      handedTwice: Number(row?.twice ?? 0),
      completedUnseen: [...completedIds].filter((id) => !seenCompleted.has(id)),
      seenNotCompleted: [...seenCompleted].filter((id) => !completedIds.has(id)),
      claimsUnseen: [...handedIds].filter((id) => !stats.handedOut.has(id)).sort((a, b) => a - b),
    }
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Up to 10 ids, for a line a person reads. */
export function sample(values: readonly number[]): string {
  if (values.length === 0) return ''
  return ` (${values.slice(0, 10).join(', ')}${values.length > 10 ? ', …' : ''})`
}
