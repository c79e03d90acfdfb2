import { sql } from 'kysely'
import type { Database } from './database.js'

/**
 * `fn` inside a transaction: the caller's when it passes one (the work of a request sent with an
 * Idempotency-Key commits with the key's row), else a new one.
 */
export function inTransaction<T>(db: Database, fn: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn)
}

/**
 * `fn` under a savepoint of the transaction `trx`: if it fails, only its own work is undone and
 * the transaction can go on (a failed statement otherwise aborts the whole transaction).
 */
export async function withSavepoint<T>(
  trx: Database,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  await sql`savepoint ${sql.id(name)}`.execute(trx)
  try {
    const result = await fn()
    await sql`release savepoint ${sql.id(name)}`.execute(trx)
    return result
  } catch (error) {
    // If even this fails the transaction is lost: the first error is the one worth reporting.
    await sql`rollback to savepoint ${sql.id(name)}`.execute(trx).catch(() => undefined)
    throw error
  }
}
