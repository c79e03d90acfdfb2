/** A problem with the embedded PostgreSQL that a person can act on; its message says how. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError'
}
