import type { Database } from '../../db/database.js'
import { ServiceError } from '../../errors.js'
import { addDays } from '../demand.js'
import type { SystemRow } from '../../systems/system-choice.js'
import { localMidnight, tripsOfDay } from '../flows.repository.js'
import { stationsWithLatestStatus, stationsWithStatusAt } from '../station-state.repository.js'
import { dateRange, fitFromDatabase, measureAccuracy } from '../fit.js'
import { chooseSystem } from '../../systems/system-choice.js'
import { depotOf, mean, readStatusFile, sd, simStations } from './evaluate-inputs.js'
import { checkDay } from './checker.js'
import { noPolicy, oursPolicy, POLICY_NAMES, seedPolicy, type PolicyName } from './policies.js'
import { runsPolicy } from './runs-policy.js'
import { createRandom } from './random.js'
import {
  DEFAULT_SIM,
  drawRiders,
  simulateDay,
  type DayTrip,
  type Policy,
  type SimSettings,
} from './simulator.js'

/**
 * `balancer evaluate`: the policies none / seed heuristic / ours on simulated service days of
 * the database's own data. The engine's model and the seed's net flows are fitted on the first
 * days of the trip data (21 by default: three weeks), and the days simulated are drawn from the
 * days after them only. Every simulated day is checked by the independent checker.
 */

export interface EvaluateOptions {
  systemId?: string
  /** Simulate this local date only (must come after the fitted days). */
  day?: string
  /** How many held-out days to simulate (drawn with a fixed seed); default all of them. */
  days?: number
  fitDays?: number
  /**
   * Simulate held-out days up to this local date only: with `fitDays` it carves a validation
   * split out of the fitted period (fit on days 1-14, validate on 15-21) for tuning, so that the
   * days after it stay unseen.
   */
  until?: string
  crews?: number
  vanCapacity?: number
  seeds?: number
  horizonMinutes?: number
  radiusKm?: number
  speedKmh?: number
  handlingMinutes?: number
  /** A GBFS station_status.json to start every day from, instead of the database's status. */
  startStatusFile?: string
}

export interface PolicyFigures {
  failed_rentals: number
  failed_returns: number
  failed_total: number
  moves: number
  bikes_moved: number
  rentals: number
  /** Spread of failed_total over seeds (each seed: the mean over days). */
  failed_total_sd: number
  failed_total_min: number
  failed_total_max: number
  per_seed: {
    seed: number
    failed_rentals: number
    failed_returns: number
    failed_total: number
    moves: number
    bikes_moved: number
  }[]
}

export interface EvaluateReport {
  system_id: string
  fitted: {
    from: string
    to: string
    weekdays: number
    weekend_days: number
    censored_cells: number
  }
  model_accuracy: { cells: number; mae: number; mae_of_mean: number; baseline_mae: number } | null
  days: string[]
  seeds: number[]
  stations: number
  start_state: string
  settings: Omit<SimSettings, 'depot' | 'startMinute' | 'endMinute' | 'policyEvery'> & {
    horizon_minutes: number
    radius_km: number
    service: string
  }
  checked_days: number
  policies: Record<PolicyName, PolicyFigures>
  ours_vs_seed: number | null
  runs_vs_seed: number | null
  runs_vs_ours: number | null
  runs_vs_none: number | null
  seconds: number
}

export async function evaluate(
  db: Database,
  options: EvaluateOptions,
  progress: (line: string) => void = () => undefined,
): Promise<EvaluateReport> {
  const started = Date.now()
  const system: SystemRow = await chooseSystem(db, options.systemId)
  const { rows: range } = await (
    await import('kysely')
  ).sql<{ first: string | null; last: string | null }>`
    select to_char(min(started_at) at time zone ${system.timezone}, 'YYYY-MM-DD') as first,
           to_char(max(started_at) at time zone ${system.timezone}, 'YYYY-MM-DD') as last
      from trips where system_id = ${system.systemId}`.execute(db)
  const first = range[0]?.first
  const last = range[0]?.last
  if (!first || !last) {
    throw new ServiceError(
      'unprocessable',
      'no_trips',
      `system ${system.systemId} has no imported trips: import a trip month first (balancer import-trips)`,
    )
  }
  const allDays = dateRange(first, addDays(last, 1))
  const fitDays =
    options.fitDays ?? (allDays.length >= 22 ? 21 : Math.max(1, Math.floor(allDays.length * 0.75)))
  if (fitDays >= allDays.length) {
    throw new ServiceError(
      'unprocessable',
      'too_few_days',
      `the trips cover ${allDays.length} day(s) (${first} to ${last}): nothing is left to simulate after fitting on ${fitDays}`,
    )
  }
  const fitTo = addDays(first, fitDays)
  const heldOut = allDays.slice(fitDays).filter((day) => !options.until || day <= options.until)
  if (heldOut.length === 0) {
    throw new ServiceError(
      'invalid',
      'invalid_request',
      `--until: ${options.until} leaves no day to simulate after the fitted days (${first} to ${addDays(fitTo, -1)})`,
    )
  }
  let days: string[]
  if (options.day) {
    if (!heldOut.includes(options.day)) {
      throw new ServiceError(
        'invalid',
        'invalid_request',
        `--day: ${options.day} is not one of the held-out days ${heldOut[0]} to ${heldOut[heldOut.length - 1]} (the model is fitted on ${first} to ${addDays(fitTo, -1)})`,
      )
    }
    days = [options.day]
  } else if (options.days !== undefined && options.days < heldOut.length) {
    const pick = createRandom(20180201)
    const pool = [...heldOut]
    days = []
    while (days.length < options.days) days.push(pool.splice(pick.int(pool.length), 1)[0] as string)
    days.sort()
  } else days = heldOut

  const stationRows = await stationsWithLatestStatus(db, system.systemId)
  const stationIds = stationRows.map((row) => row.station_id)
  progress(`fitting on ${first} to ${addDays(fitTo, -1)} (${fitDays} days)`)
  const fit = await fitFromDatabase(db, system, stationIds, first, fitTo)
  const heldOutAccuracy = await measureAccuracy(
    db,
    system,
    fit.model,
    heldOut[0] as string,
    addDays(heldOut[heldOut.length - 1] as string, 1),
  )
  const override = options.startStatusFile ? await readStatusFile(options.startStatusFile) : null

  const settingsBase = {
    ...DEFAULT_SIM,
    crews: options.crews ?? DEFAULT_SIM.crews,
    vanCapacity: options.vanCapacity ?? DEFAULT_SIM.vanCapacity,
    speedKmh: options.speedKmh ?? DEFAULT_SIM.speedKmh,
    handlingMinutes: options.handlingMinutes ?? DEFAULT_SIM.handlingMinutes,
  }
  const horizonMinutes = options.horizonMinutes ?? 180
  const radiusKm = options.radiusKm ?? 5
  const seedCount = options.seeds ?? 5
  const seeds = Array.from({ length: seedCount }, (_, k) => k + 1)
  const results: Record<
    PolicyName,
    {
      seed: number
      day: string
      failedRentals: number
      failedReturns: number
      moves: number
      bikesMoved: number
      rentals: number
    }[]
  > = {
    none: [],
    seed: [],
    ours: [],
    runs: [],
  }
  let startState = ''
  let stationCount = 0
  let checked = 0

  for (const [dayIndex, day] of days.entries()) {
    let rows = stationRows
    let source = override ? `file ${options.startStatusFile}` : 'latest status'
    if (!override) {
      const at = new Date((await localMidnight(db, system.timezone, day)).getTime() + 6 * 3_600_000)
      const history = await stationsWithStatusAt(db, system.systemId, at)
      const known = history.filter((row) => row.num_bikes_available !== null).length
      if (known > 0) {
        rows = history
        source = 'status history at 06:00'
      }
    }
    const { stations, fromStatus } = simStations(rows, override)
    stationCount = stations.length
    startState =
      fromStatus === 0
        ? 'half of each station capacity (no status known)'
        : `${source} for ${fromStatus} of ${stations.length} stations${fromStatus < stations.length ? ' (the rest half full)' : ''}`
    const index = new Map(stations.map((station, position) => [station.id, position]))
    const trips: DayTrip[] = []
    for (const trip of await tripsOfDay(db, system, day)) {
      const origin = index.get(trip.start_station_id)
      const destination = index.get(trip.end_station_id)
      if (origin === undefined || destination === undefined) continue
      trips.push({ origin, destination, start: trip.start_minute, minutes: trip.minutes })
    }
    const settings: SimSettings = { ...settingsBase, depot: depotOf(stations, fit) }
    const policies: Record<PolicyName, Policy> = {
      none: noPolicy(),
      seed: seedPolicy({
        date: day,
        stations,
        stationIds,
        seedNetFlow: fit.seedNetFlow,
        index: fit.model.index,
      }),
      ours: oursPolicy({ date: day, stations, model: fit.model, horizonMinutes, radiusKm }),
      runs: runsPolicy({ date: day, stations, model: fit.model, horizonMinutes }),
    }
    for (const seed of seeds) {
      const riders = drawRiders(
        trips,
        stations.length,
        settings,
        createRandom(seed * 7919 + dayIndex),
      )
      for (const name of POLICY_NAMES) {
        const result = simulateDay(stations, riders, policies[name], settings)
        const check = checkDay(stations, settings, result.log, result)
        checked += 1
        if (!check.ok) {
          throw new Error(
            `the checker rejected policy ${name} on ${day} (seed ${seed}): ${check.errors.slice(0, 5).join('; ')}`,
          )
        }
        results[name].push({ seed, day, ...result })
      }
    }
    progress(
      `simulated ${day} (${dayIndex + 1} of ${days.length}): ${trips.length} trips as templates`,
    )
  }

  const figures = (name: PolicyName): PolicyFigures => {
    const perSeed = seeds.map((seed) => {
      const runs = results[name].filter((run) => run.seed === seed)
      const failedRentals = mean(runs.map((run) => run.failedRentals))
      const failedReturns = mean(runs.map((run) => run.failedReturns))
      return {
        seed,
        failed_rentals: failedRentals,
        failed_returns: failedReturns,
        failed_total: failedRentals + failedReturns,
        moves: mean(runs.map((run) => run.moves)),
        bikes_moved: mean(runs.map((run) => run.bikesMoved)),
        rentals: mean(runs.map((run) => run.rentals)),
      }
    })
    const totals = perSeed.map((entry) => entry.failed_total)
    return {
      failed_rentals: mean(perSeed.map((entry) => entry.failed_rentals)),
      failed_returns: mean(perSeed.map((entry) => entry.failed_returns)),
      failed_total: mean(totals),
      moves: mean(perSeed.map((entry) => entry.moves)),
      bikes_moved: mean(perSeed.map((entry) => entry.bikes_moved)),
      rentals: mean(perSeed.map((entry) => entry.rentals)),
      failed_total_sd: sd(totals),
      failed_total_min: Math.min(...totals),
      failed_total_max: Math.max(...totals),
      per_seed: perSeed.map(({ rentals: _rentals, ...entry }) => entry),
    }
  }
  const ratio = (a: PolicyFigures, b: PolicyFigures) =>
    b.failed_total > 0 ? a.failed_total / b.failed_total : null
  const policies = {
    none: figures('none'),
    seed: figures('seed'),
    ours: figures('ours'),
    runs: figures('runs'),
  }
  return {
    system_id: system.systemId,
    fitted: {
      from: first,
      to: addDays(fitTo, -1),
      weekdays: fit.days[0],
      weekend_days: fit.days[1],
      censored_cells: fit.censoredCells,
    },
    model_accuracy: heldOutAccuracy.cells
      ? {
          cells: heldOutAccuracy.cells,
          mae: heldOutAccuracy.mae,
          mae_of_mean: heldOutAccuracy.meanMae,
          baseline_mae: heldOutAccuracy.baselineMae,
        }
      : null,
    days,
    seeds,
    stations: stationCount,
    start_state: startState,
    settings: {
      crews: settingsBase.crews,
      vanCapacity: settingsBase.vanCapacity,
      speedKmh: settingsBase.speedKmh,
      detour: settingsBase.detour,
      handlingMinutes: settingsBase.handlingMinutes,
      bikeSpeedKmh: settingsBase.bikeSpeedKmh,
      horizon_minutes: horizonMinutes,
      radius_km: radiusKm,
      service: '06:00-22:00, policy every 15 min',
    },
    checked_days: checked,
    policies,
    ours_vs_seed: ratio(policies.ours, policies.seed),
    runs_vs_seed: ratio(policies.runs, policies.seed),
    runs_vs_ours: ratio(policies.runs, policies.ours),
    runs_vs_none: ratio(policies.runs, policies.none),
    seconds: (Date.now() - started) / 1000,
  }
}
