import {
  QUARANTINE_BELOW,
  type QuarantinedImport,
  type QuarantineDecision,
  type TripImportDone,
  type TripImportQuarantine,
  type TripImportQuarantined,
} from '../../shared/trips.js'
import { sql } from 'kysely'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { openImportConnection, type ImportConnection } from '../imports/import-connection.js'
import { addTableFlows, lockFlows } from './trip-flows.repository.js'
import { importTable } from './trip-table.repository.js'

/**
 * No silent poison (issue 16). A trip import whose station ids match fewer than half of its
 * trips' ends (another city's file, the wrong system, a system whose stations are not loaded) is
 * quarantined: the import's table is kept apart (detached from trips, so no reader of trips,
 * remap or rebuild sees it), its counts are not added to station_flows (so no profile and no
 * fit of the engine sees them) and its record says `quarantined`, until a person accepts it
 * (attached and counted, as an import would have been) or discards it (table and record gone).
 *
 * The import pipeline calls this module at one place, finishTripImport (import.ts), once the
 * rows are matched and recorded: judgeImport before the flows step, keepApart after the attach.
 */

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10} %`
}

function words(systemId: string, ends: number, matched: number): TripImportQuarantine {
  const matchRate = ends > 0 ? matched / ends : 0
  return {
    tripEnds: ends,
    tripEndsMatched: matched,
    matchRate,
    problem: `Only ${matched} of ${ends} trip ends (${percent(matchRate)}) name a station of system ${systemId}: this looks like another city's file or the wrong system, so its trips were kept apart and are not in flows, profiles or the demand model`,
    advice: `if the file belongs to another system, discard it and import it into that one (choose the system); if this system's stations are missing, load them (--stations station_information.json, or poll its GBFS feed), discard it and import it again; accept it only if these really are trips of ${systemId}`,
  }
}

/**
 * The decision point: the share of the import's trip ends that matched a station, written on
 * its record. Answers the quarantine when the share is below QUARANTINE_BELOW (and the caller
 * did not accept unmatched trips), else null. A file that names no station at all, or a system
 * without stations yet, adds nothing to flows either way and is not quarantined.
 */
export async function judgeImport(
  client: ImportConnection,
  importId: number,
  options: { systemId: string; acceptUnmatched?: boolean },
): Promise<TripImportQuarantine | null> {
  const { rows } = await client.query<{ ends: number; matched: number; stations: boolean }>(
    `select (count(start_station_raw) + count(end_station_raw))::int as ends,
            (count(start_station_id) + count(end_station_id))::int as matched,
            exists (select 1 from stations where system_id = $1) as stations
       from ${importTable(importId)}`,
    [options.systemId],
  )
  const ends = rows[0]?.ends ?? 0
  const matched = rows[0]?.matched ?? 0
  // A system with no stations yet matches nothing and adds nothing to flows: its trips wait,
  // as before, for its stations and a remap (the import's hint says so).
  const quarantined =
    !options.acceptUnmatched &&
    rows[0]?.stations === true &&
    ends > 0 &&
    matched / ends < QUARANTINE_BELOW
  await client.query(
    `update trip_imports set trip_ends = $2, trip_ends_matched = $3, status = $4
      where import_id = $1`,
    [importId, ends, matched, quarantined ? 'quarantined' : 'imported'],
  )
  return quarantined ? words(options.systemId, ends, matched) : null
}

/** The quarantined import's table, attached by the usual end of an import, taken back out. */
export async function keepApart(client: ImportConnection, importId: number): Promise<void> {
  await client.query(`alter table trips detach partition ${importTable(importId)}`)
}

/** The import's report, as a quarantine. */
export function quarantinedOutcome(
  done: TripImportDone,
  quarantine: TripImportQuarantine,
): TripImportQuarantined {
  return { ...done, status: 'quarantined', flowBins: 0, hint: null, quarantine }
}

interface QuarantineRow {
  import_id: string
  system_id: string
  file_name: string
  imported_at: Date
  rows_imported: number
  first_started_at: Date | null
  last_ended_at: Date | null
  trip_ends: number | null
  trip_ends_matched: number | null
}

const COLUMNS = `import_id::text, system_id, file_name, imported_at, rows_imported,
                 first_started_at, last_ended_at, trip_ends, trip_ends_matched`

function quarantinedImport(row: QuarantineRow): QuarantinedImport {
  return {
    importId: Number(row.import_id),
    systemId: row.system_id,
    file: row.file_name,
    importedAt: row.imported_at.toISOString(),
    rowsImported: row.rows_imported,
    firstStartedAt: row.first_started_at?.toISOString() ?? null,
    lastEndedAt: row.last_ended_at?.toISOString() ?? null,
    ...words(row.system_id, row.trip_ends ?? 0, row.trip_ends_matched ?? 0),
  }
}

/** Quarantined imports waiting for a person, newest first (one system's, or all). */
export async function listQuarantined(
  db: Database,
  systemId?: string,
): Promise<QuarantinedImport[]> {
  const { rows } = await sql<QuarantineRow>`
    select ${sql.raw(COLUMNS)} from trip_imports
     where status = 'quarantined' and (${systemId ?? null}::text is null or system_id = ${systemId ?? null})
     order by import_id desc`.execute(db)
  return rows.map(quarantinedImport)
}

/** The quarantined import, locked for the decision; 404 or 409 in words otherwise. */
async function lockQuarantined(client: ImportConnection, importId: number): Promise<QuarantineRow> {
  const { rows } = await client.query<QuarantineRow & { status: string }>(
    `select ${COLUMNS}, status from trip_imports where import_id = $1 for update`,
    [importId],
  )
  const row = rows[0]
  if (!row) {
    throw new ServiceError('not_found', 'import_not_found', `trip import ${importId} not found`)
  }
  if (row.status !== 'quarantined') {
    throw new ServiceError(
      'conflict',
      'import_not_quarantined',
      `trip import ${importId} (${row.file_name}) is not quarantined: its trips are already in flows`,
    )
  }
  return row
}

async function audit(
  client: ImportConnection,
  actor: Actor,
  action: string,
  decision: QuarantineDecision,
): Promise<void> {
  await client.query(
    `insert into audit_log (actor, actor_role, action, entity, entity_id, detail, request_id)
     values ($1, $2, $3, 'trip_import', $4, $5, $6)`,
    [
      actor.name,
      actor.role,
      action,
      String(decision.importId),
      JSON.stringify({ file: decision.file, system_id: decision.systemId, trips: decision.trips }),
      actor.requestId ?? null,
    ],
  )
}

/**
 * Accepts or discards a quarantined import in one transaction on a connection of its own.
 * Accepted: its table becomes its partition of trips again (references checked as an import's
 * are) and its counts are added to station_flows, so the next fit sees them. Discarded: its
 * table and record (and rejected rows) are deleted; the same file can be imported again.
 */
export async function decideQuarantine(
  databaseUrl: string,
  importId: number,
  decision: QuarantineDecision['decision'],
  actor: Actor,
): Promise<QuarantineDecision> {
  const client = await openImportConnection(databaseUrl, `balancer trips ${decision}`)
  try {
    await client.query('begin')
    const row = await lockQuarantined(client, importId)
    const table = importTable(importId)
    const answer: QuarantineDecision = {
      importId,
      systemId: row.system_id,
      file: row.file_name,
      decision,
      trips: row.rows_imported,
      flowBins: 0,
    }
    if (decision === 'accepted') {
      await lockFlows(client, row.system_id)
      await client.query(`select trips_check_table_references($1)`, [table])
      await client.query(`alter table trips attach partition ${table} for values in (${importId})`)
      if (row.first_started_at && row.last_ended_at) {
        answer.flowBins = await addTableFlows(client, row.system_id, importId, {
          firstStartedAt: row.first_started_at,
          lastEndedAt: row.last_ended_at,
        })
      }
      await client.query(
        `update trip_imports set status = 'imported', accepted_by = $2, accepted_at = now()
          where import_id = $1`,
        [importId, actor.name],
      )
    } else {
      await client.query(`drop table ${table}`)
      await client.query('delete from trip_imports where import_id = $1', [importId])
    }
    await audit(
      client,
      actor,
      `trips.${decision === 'accepted' ? 'accept' : 'discard'}_import`,
      answer,
    )
    await client.query('commit')
    return answer
  } catch (error) {
    await client.query('rollback').catch(() => undefined)
    throw error
  } finally {
    await client.end().catch(() => undefined)
  }
}
