import type { z } from 'zod'
import { APP } from './app.js'
import { CREW_DAY, crewMe, pairDevice, reportProblem } from './crew.js'
import { CREWS } from './crews.js'
import { createPairing, listDevices, revokeDevice } from './devices.js'
import { ENGINE_MODEL } from './engine-model.js'
import { FEEDS } from './feeds.js'
import { FLOWS } from './flows.js'
import { MAP } from './map.js'
import type { DesktopOnly, EdgeAnswered, HttpRoute, OperationSpec } from './operation.js'
import { PROBLEMS, taskReleases } from './problems.js'
import { SERVICE } from './service.js'
import { SETTINGS } from './settings.js'
import { STATIONS } from './stations.js'
import { SUGGESTIONS } from './suggestions.js'
import { TASKS } from './tasks.js'
import { TOKENS } from './tokens.js'
import { TRIPS } from './trips.js'

/**
 * Every operation, by capability. HTTP routes are registered in this order (a fixed path such as
 * /tasks/summary before a parameter one such as /tasks/{task_id}).
 */
export const OPERATIONS = [
  ...APP,
  ...SUGGESTIONS,
  ...ENGINE_MODEL,
  ...TASKS,
  ...CREWS,
  ...TOKENS,
  ...FEEDS,
  ...FLOWS,
  ...STATIONS,
  ...MAP,
  ...SERVICE,
  ...TRIPS,
  ...SETTINGS,
  // The crew app's (crew.ts) and the console's (problems.ts, devices.ts), in their routes' order.
  ...CREW_DAY,
  taskReleases,
  reportProblem,
  ...PROBLEMS,
  createPairing,
  pairDevice,
  crewMe,
  listDevices,
  revokeDevice,
] as const

export type Operation = (typeof OPERATIONS)[number]
export type OperationName = Operation['name']
export type OperationNamed<N extends OperationName> = Extract<Operation, { name: N }>

/** The operations the desktop's IPC carries (all but the crews' and outside programs'). */
export type DesktopOperation = Exclude<Operation, { desktop?: false }>
export type DesktopName = DesktopOperation['name']

/** Operations with an HTTP route. */
export type HttpOperation = Extract<Operation, { route: HttpRoute }>

export type InputOf<N extends OperationName> = z.output<OperationNamed<N>['input']>
export type OutputOf<N extends OperationName> = OperationNamed<N>['output'] extends z.ZodType
  ? z.output<OperationNamed<N>['output']>
  : undefined

export const OPERATION_BY_NAME: ReadonlyMap<string, OperationSpec> = new Map(
  OPERATIONS.map((op) => [op.name, op as OperationSpec]),
)

/** The names the desktop's IPC carries, as a runtime list (main registers, preload allows). */
export const DESKTOP_NAMES = OPERATIONS.filter((op) => op.desktop !== false).map(
  (op) => op.name,
) as DesktopName[]

export function isDesktopOnly(route: OperationSpec['route']): route is DesktopOnly {
  return 'desktopOnly' in route
}

export function isEdgeAnswered(route: OperationSpec['route']): route is EdgeAnswered {
  return 'edge' in route
}

export * from './operation.js'
