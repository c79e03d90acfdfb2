import type { Response } from 'express'
import { csvFileName } from '../../shared/csv.js'
import type { FlowSeries, StationProfile } from '../../shared/flows.js'
import type { FLOWS } from '../../shared/operations/flows.js'
import { jsonOrCsv, sendCsv } from '../http/csv.js'
import type { Implementations } from '../operations/context.js'

function seriesCsv(res: Response, series: FlowSeries): void {
  const name = `flows-${series.systemId}-${series.stationId ?? 'all'}-${series.bin}-${series.from.slice(0, 10)}`
  sendCsv(res, csvFileName(name), [
    ['system_id', 'station_id', 'bin_start_utc', 'bin_start_local', 'outflow', 'inflow'],
    ...series.points.map((p) => [
      series.systemId,
      series.stationId,
      p.start,
      p.local,
      p.outflow,
      p.inflow,
    ]),
  ])
}

function profileCsv(res: Response, profile: StationProfile): void {
  sendCsv(res, csvFileName(`profile-${profile.systemId}-${profile.stationId}-${profile.bin}`), [
    ['system_id', 'station_id', 'day_of_week', 'minute_of_day', 'outflow', 'inflow'],
    ...profile.cells.map((c) => [
      profile.systemId,
      profile.stationId,
      c.dayOfWeek,
      c.minuteOfDay,
      c.outflow,
      c.inflow,
    ]),
  ])
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
