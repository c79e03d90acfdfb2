import type { Role, Session } from '../../shared/dispatch.js'

/** Who is acting: written to the audit log and checked against each use case's rules. */
export interface Actor {
  /** The token's name ("Van 3", "depot desk 2"), or `console` for the desktop app itself. */
  name: string
  role: Role
  /** The crew a crew token belongs to: its `worker_id`. */
  crewId: string | null
  tokenId: number | null
  /** The HTTP request id, so an audit row leads to its log line. */
  requestId?: string
}

/** The dispatcher at the desktop console: IPC calls come from the app's own window. */
export const CONSOLE_ACTOR: Actor = {
  name: 'console',
  role: 'dispatcher',
  crewId: null,
  tokenId: null,
}

/** The command line (`balancer token create`), run by whoever administers the depot server. */
export const CLI_ACTOR: Actor = { name: 'cli', role: 'dispatcher', crewId: null, tokenId: null }

export function describeActor(actor: Actor): string {
  return actor.crewId ? `crew ${actor.crewId}` : `${actor.role} "${actor.name}"`
}

/** What a console is told about who it is signed in as (never the token itself). */
export function sessionOf(actor: Actor): Session {
  return { name: actor.name, role: actor.role, crew_id: actor.crewId, token_id: actor.tokenId }
}
