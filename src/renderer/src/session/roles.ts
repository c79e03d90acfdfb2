import type { Role } from '../../../shared/dispatch'
import { READERS } from '../../../shared/operations/roles'

export const ROLE_LABELS: Record<Role, string> = {
  crew: 'Crew',
  dispatcher: 'Dispatcher',
  analyst: 'Analyst',
  engine: 'Engine',
}

/** The roles this console is for; crews use the dispatch API from their devices. */
export const CONSOLE_ROLES: readonly Role[] = READERS
