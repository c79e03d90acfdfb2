import { ROLES, type Role } from '../dispatch.js'

/**
 * Who may call what: the one set of role lists every operation (and the few hand-written routes)
 * names. A route's error words and its OpenAPI description list the roles in a fixed order of
 * their own, so the order here carries no meaning.
 */

/** Every token: who am I. */
export const ANYONE: readonly Role[] = ROLES

/** The dispatcher alone: decisions (approve, cancel, tokens, settings). */
export const DISPATCH: readonly Role[] = ['dispatcher']

/** The console's readers: the task board's figures, crews, service levels, live events. */
export const READERS: readonly Role[] = ['dispatcher', 'analyst']

/** Station data: readers, and an outside engine that forecasts from it. */
export const DATA_READERS: readonly Role[] = ['dispatcher', 'analyst', 'engine']

/** Tasks: readers, and a crew (its own tasks only). */
export const TASK_READERS: readonly Role[] = ['dispatcher', 'analyst', 'crew']

/** A task's work: the crew holding it, or a dispatcher on its behalf. */
export const CREW_WORK: readonly Role[] = ['crew', 'dispatcher']

/** A crew's own device. */
export const CREW: readonly Role[] = ['crew']

/** Who adds suggestions or runs the engine. */
export const SUGGESTERS: readonly Role[] = ['dispatcher', 'engine']
