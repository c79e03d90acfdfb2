import type { Response } from 'express'
import { csvFileName } from '../../shared/csv.js'
import type { FlowSeries, StationProfile } from '../../shared/flows.js'
import type { FLOWS } from '../../shared/operations/flows.js'
import { jsonOrCsv, sendCsv } from '../http/csv.js'
import type { Implementations } from '../operations/context.js'

/** Flows as CSV: whose they are, when (two columns), and the trips out and in. */
function flowsCsv<P extends { outflow: number; inflow: number }>(
  res: Response,
  name: string,
  of: { systemId: string; stationId: string | null },
  when: [string, string, (point: P) => [string | number, string | number]],
  points: readonly P[],
): void {
  sendCsv(res, csvFileName(name), [
    ['system_id', 'station_id', when[0], when[1], 'outflow', 'inflow'],
    ...points.map((p) => [of.systemId, of.stationId, ...when[2](p), p.outflow, p.inflow]),
  ])
}

function seriesCsv(res: Response, series: FlowSeries): void {
  const name = `flows-${series.systemId}-${series.stationId ?? 'all'}-${series.bin}-${series.from.slice(0, 10)}`
  flowsCsv(
    res,
    name,
    series,
    ['bin_start_utc', 'bin_start_local', (p) => [p.start, p.local]],
    series.points,
  )
}

function profileCsv(res: Response, profile: StationProfile): void {
  const name = `profile-${profile.systemId}-${profile.stationId}-${profile.bin}`
  flowsCsv(
    res,
    name,
    profile,
    ['day_of_week', 'minute_of_day', (c) => [c.dayOfWeek, c.minuteOfDay]],
    profile.cells,
  )
}

/** src/shared/operations/flows.ts, done: JSON, or CSV when an HTTP caller asks for it. */
export const FLOW_OPERATIONS: Implementations<(typeof FLOWS)[number]['name']> = {
  'flows:station': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.flows.stationFlows(request), seriesCsv),
  },
  'flows:system': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.flows.systemFlows(request), seriesCsv),
  },
  'flows:profile': {
    run: async (request, context) =>
      jsonOrCsv(context, await context.services.flows.stationProfile(request), profileCsv),
  },
}
