import { crewMeSchema, pairedDeviceSchema, pairRequestSchema } from '../crew-access.js'
import {
  crewTaskAnswerSchema,
  pickedTaskSchema,
  pickupRequestSchema,
  problemRequestSchema,
  problemSchema,
  shiftEndRequestSchema,
  shiftSchema,
  shiftStartRequestSchema,
} from '../crew-work.js'
import { idSchema, taskParamsSchema } from '../dispatch.js'
import { NONE, operation } from './operation.js'
import { CREW, CREW_WORK } from './roles.js'

/**
 * The crew's phone (issue 15): pairing, who it is, its shift, its task, pickups and problem
 * reports. Served over HTTP only (`desktop: false`): the console's desk has no shift.
 */

export const pairDevice = operation({
  name: 'crew:pair',
  summary: 'Trade a pairing code for a device token of its crew (the phone keeps it)',
  description:
    'Public: the code is the credential. A code works once, within 10 minutes; an unknown, used or expired code is refused in words and counts as a wrong token from the address (30 a minute, then 429). Not retry-safe by design: the answer holds the token, which is never stored; a phone that lost it asks for a new code.',
  roles: 'public',
  input: pairRequestSchema,
  output: pairedDeviceSchema,
  route: {
    method: 'post',
    path: '/crew/pair',
    tag: 'crews',
    body: pairRequestSchema,
    status: 201,
    errors: [404, 409],
  },
  desktop: false,
  example: { code: 'ABCDEFGHJK', device_name: 'Phone' },
})

export const crewMe = operation({
  name: 'crew:me',
  summary: "Who this crew token is: its crew, its device, the van's capacity, its shift",
  description: 'shift: the open shift (null: none); bikes_moved_today: since midnight.',
  roles: CREW,
  input: NONE,
  output: crewMeSchema,
  route: { method: 'get', path: '/crew/me', tag: 'crews' },
  desktop: false,
  example: undefined,
})

export const startShift = operation({
  name: 'crew:startShift',
  summary: 'Start shift: the van capacity and the bikes on board (and where the van is)',
  description:
    "Starting while a shift is open returns the open one unchanged (a retry). The van capacity becomes the crew's: the claim never hands it a larger task.",
  roles: CREW,
  input: shiftStartRequestSchema,
  output: shiftSchema,
  route: {
    method: 'post',
    path: '/crew/shift/start',
    tag: 'crew',
    body: shiftStartRequestSchema,
    idempotent: true,
  },
  desktop: false,
  example: { van_capacity: 12, bikes_on_board: 0 },
})

export const endShift = operation({
  name: 'crew:endShift',
  summary: 'End shift, with the bikes left on board',
  description: 'No open shift: 409.',
  roles: CREW,
  input: shiftEndRequestSchema,
  output: shiftSchema,
  route: {
    method: 'post',
    path: '/crew/shift/end',
    tag: 'crew',
    body: shiftEndRequestSchema,
    errors: [409],
    idempotent: true,
  },
  desktop: false,
  example: { bikes_on_board: 0 },
})

export const crewTask = operation({
  name: 'crew:task',
  summary: "The task the crew holds, with both stations' names, positions and live numbers",
  description:
    "null when it holds none (claim one with POST /dispatch/next). The stations of its task are the only stations a crew token may read; every other station look-up stays 403. distance_m: straight line from the van's last known position (heartbeats) to the source.",
  roles: CREW,
  input: NONE,
  output: crewTaskAnswerSchema,
  route: { method: 'get', path: '/crew/task', tag: 'crew' },
  desktop: false,
  example: undefined,
})

const pickupInput = pickupRequestSchema.extend({ task_id: idSchema }).strict()

export const pickup = operation({
  name: 'crew:pickup',
  summary: 'Picked up: the bikes actually taken at the source',
  description:
    'The same qty_picked again returns the task unchanged (a retry); another once recorded is a 409. More than the room left in the van is a 422 qty_over_limit.',
  roles: CREW,
  input: pickupInput,
  output: pickedTaskSchema,
  route: {
    method: 'post',
    path: '/task/{task_id}/pickup',
    tag: 'tasks',
    params: taskParamsSchema,
    body: pickupRequestSchema,
    errors: [404, 409, 422],
    idempotent: true,
  },
  desktop: false,
  example: { task_id: 9, qty_picked: 5 },
})

export const reportProblem = operation({
  name: 'crew:reportProblem',
  summary: 'Report a problem at a station, with an optional photo',
  description:
    'photo: a data URL (image/jpeg, image/png or image/webp), at most 2 MB decoded, its bytes checked against its type; this route alone takes a body of up to 3 MB. A crew may report at the stations of its tasks (held, or done or given back today). Announced on the "problems" channel.',
  roles: CREW_WORK,
  input: problemRequestSchema,
  output: problemSchema,
  route: {
    method: 'post',
    path: '/problems',
    tag: 'problems',
    body: problemRequestSchema,
    status: 201,
    errors: [404, 422],
    idempotent: true,
  },
  desktop: false,
  example: { station_id: 'st-1', kind: 'broken_docks', note: '2 docks broken' },
})

/** The shift and the task (index.ts places the rest in the routes' order). */
export const CREW_DAY = [startShift, endShift, crewTask, pickup] as const

export const CREW_DEVICE = [...CREW_DAY, reportProblem, pairDevice, crewMe] as const
