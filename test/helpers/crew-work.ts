import type { Database } from '../../src/server/db/database.js'
import { SYSTEM } from './fixtures.js'

/** A ready task inserted as an approval would make it. */
export async function insertTask(
  db: Database,
  task: { from: string; to: string; qty?: number; priority?: number; createdAt?: Date },
): Promise<number> {
  const row = await db
    .insertInto('tasks')
    .values({
      system_id: SYSTEM,
      from_station_id: task.from,
      to_station_id: task.to,
      qty: task.qty ?? 3,
      priority: task.priority ?? 1,
      reason: 'test move',
      created_by: 'test',
      created_at: task.createdAt ?? new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** A station's latest live numbers, as a poll writes them. */
export async function setLive(
  db: Database,
  stationId: string,
  bikes: number,
  docks: number,
): Promise<void> {
  const now = new Date()
  await db
    .insertInto('station_status_latest')
    .values({
      system_id: SYSTEM,
      station_id: stationId,
      ts: now,
      last_reported: now,
      num_bikes_available: bikes,
      num_docks_available: docks,
      is_installed: true,
      is_renting: true,
      is_returning: true,
    })
    .onConflict((oc) =>
      oc.columns(['system_id', 'station_id']).doUpdateSet({
        num_bikes_available: bikes,
        num_docks_available: docks,
        ts: now,
        last_reported: now,
      }),
    )
    .execute()
}
