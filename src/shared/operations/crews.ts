import { z } from 'zod'
import { crewSchema, heartbeatRequestSchema } from '../dispatch.js'
import { NONE, operation } from './operation.js'
import { CREW, READERS } from './roles.js'

/** Crews: their devices' heartbeats, and who is out there. */

export const heartbeat = operation({
  name: 'crews:heartbeat',
  summary: "Report that a crew's device is alive (optionally where it is)",
  roles: CREW,
  input: heartbeatRequestSchema,
  output: crewSchema,
  route: {
    method: 'post',
    path: '/crews/heartbeat',
    tag: 'crews',
    body: heartbeatRequestSchema,
    errors: [404],
    idempotent: true,
  },
  desktop: false,
  example: { lat: 37.77, lon: -122.42 },
})

export const listCrews = operation({
  name: 'crews:list',
  summary: 'Crews with their last heartbeat and health',
  roles: READERS,
  input: NONE,
  output: z.array(crewSchema),
  route: { method: 'get', path: '/crews', tag: 'crews' },
  example: undefined,
})

export const CREWS = [heartbeat, listCrews] as const
