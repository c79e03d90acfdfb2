// The embedded PostgreSQL picks its port the same way; tests use the one implementation.
export { freePort } from '../../src/server/db/embedded-postgres.js'
