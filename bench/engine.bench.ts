import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { formatEvaluateReport } from '../src/server/cli/engine-output.js'
import { createDispatchService } from '../src/server/dispatch/dispatch.service.js'
import { createEngineService } from '../src/server/engine/engine.service.js'
import { engineWorkerFile, useEngineWorker } from '../src/server/engine/worker/plan-runner.js'
import { currentModel } from '../src/server/engine/current-model.js'
import type { Dissatisfaction } from '../src/server/engine/dissatisfaction.js'
import { distanceKm } from '../src/server/engine/geo.js'
import { liveStations, localClock } from '../src/server/engine/live-stations.js'
import { driveMinutes } from '../src/server/engine/moves.js'
import { arrivalValue } from '../src/server/engine/run-value.js'
import { stationsWithLatestStatus } from '../src/server/engine/station-state.repository.js'
import { planVanRuns } from '../src/server/engine/van-runs.js'
import { chooseSystem } from '../src/server/systems/system-choice.js'
import { evaluate } from '../src/server/engine/simulation/evaluate.js'
import { createRandom } from '../src/server/engine/simulation/random.js'
import { silentLogger } from '../src/server/logger.js'
import { createTripsService } from '../src/server/trips/trips.service.js'
import { benchDatabase, median, ms, printTable } from './lib.js'

export const description =
  'one engine run (F for every station, moves, suggestions written) for 2,025 synthetic stations, median of runs; then the evaluate table on February 2018'

const SYSTEM = 'bench'
const SIDE = 45

function sharedData(): string {
  return resolve(process.env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data'))
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name)
  return at >= 0 ? Number(args[at + 1]) : fallback
}

/** A day profile per hour: two commute peaks, scaled per station. */
function profile(peakAt: number, scale: number): number[] {
  return Array.from({ length: 96 }, (_, slot) => {
    const hour = slot / 4
    const base = hour >= 6 && hour < 23 ? 1 : 0.15
    return scale * (base + 4 * Math.exp(-((hour - peakAt) ** 2) / 2))
  })
}

export async function run(args: string[]): Promise<void> {
  const rounds = option(args, '--rounds', 7)
  const database = await benchDatabase('engine', 8)
  try {
    const { db } = database
    const random = createRandom(2000)
    await db.insertInto('systems').values({ system_id: SYSTEM, name: 'Bench city' }).execute()
    // 2,025 stations on a 250 m grid (11 km square), capacity 15-35.
    const stations = Array.from({ length: SIDE * SIDE }, (_, index) => ({
      system_id: SYSTEM,
      station_id: `s${index}`,
      name: `Station ${index}`,
      capacity: 15 + random.int(21),
      lat: 37.7 + Math.floor(index / SIDE) * 0.00225,
      lon: -122.5 + (index % SIDE) * 0.00284,
    }))
    for (let at = 0; at < stations.length; at += 500) {
      await db
        .insertInto('stations')
        .values(stations.slice(at, at + 500))
        .execute()
    }
    const now = new Date('2018-02-27T16:00:00Z') // a Tuesday, 08:00 in San Francisco
    await db
      .insertInto('station_status_latest')
      .values(
        stations.map((station) => {
          const bikes = random.int(station.capacity + 1)
          return {
            system_id: SYSTEM,
            station_id: station.station_id,
            ts: now,
            last_reported: now,
            num_bikes_available: bikes,
            num_ebikes_available: Math.min(bikes, random.int(3)),
            num_docks_available: station.capacity - bikes,
            num_bikes_disabled: 0,
            num_docks_disabled: 0,
            is_installed: true,
            is_renting: true,
            is_returning: true,
          }
        }),
      )
      .execute()
    // A model as a fit leaves it (fitted after the newest flow, so the run does not refit).
    await db
      .insertInto('station_flows')
      .values({
        system_id: SYSTEM,
        station_id: 's0',
        time_bin: new Date('2018-02-20T16:00:00Z'),
        outflow: 1,
        inflow: 0,
      })
      .execute()
    const model = await db
      .insertInto('engine_models')
      .values({
        system_id: SYSTEM,
        version: 1,
        fitted_from: new Date('2018-02-01T08:00:00Z'),
        fitted_to: new Date('2018-02-22T08:00:00Z'),
        weekdays: 15,
        weekend_days: 6,
        is_active: true,
        trained_at: new Date(),
      })
      .returning('model_id')
      .executeTakeFirstOrThrow()
    const rates = stations.flatMap((station) => {
      // Homes empty in the morning and fill in the evening; workplaces the other way round.
      const home = random.next() < 0.5
      const scale = 0.3 + random.next() * 2
      return (['weekday', 'weekend'] as const).map((dayType) => ({
        model_id: model.model_id,
        system_id: SYSTEM,
        station_id: station.station_id,
        day_type: dayType,
        rentals_per_hour: profile(home ? 8 : 17.5, scale),
        returns_per_hour: profile(home ? 17.5 : 8, scale),
      }))
    })
    for (let at = 0; at < rates.length; at += 500) {
      await db
        .insertInto('engine_station_rates')
        .values(rates.slice(at, at + 500))
        .execute()
    }

    const dispatch = createDispatchService(db, { leaseMs: 3_600_000 })
    const engine = createEngineService({
      db,
      databaseUrl: database.url,
      dispatch,
      logger: silentLogger(),
      now: () => now,
    })
    const worker = engineWorkerFile()
    // The same runs planned on the main thread (as before issue 17) and in the worker thread,
    // alternating, with the event loop's delay measured during each run.
    // 'no run': the loop's delay over as long with nothing running, the machine's own share of
    // it (on shared cores, other processes delay the timers too).
    const modes = worker
      ? (['main thread', 'worker thread', 'no run'] as const)
      : (['main thread', 'no run'] as const)
    const figures = new Map<string, { times: number[]; p99: number[]; max: number[] }>(
      modes.map((mode) => [mode, { times: [], p99: [], max: [] }]),
    )
    let created = 0
    for (let round = 0; round < rounds; round += 1) {
      for (const mode of modes) {
        useEngineWorker(mode === 'worker thread' ? worker : null)
        const delay = monitorEventLoopDelay({ resolution: 5 })
        delay.enable()
        const started = performance.now()
        if (mode === 'no run') {
          const last = figures.get('main thread')?.times.at(-1) ?? 1000
          await new Promise((resolve) => setTimeout(resolve, last))
        } else {
          created = (await engine.run({ crews: 10 })).created
        }
        const took = performance.now() - started
        delay.disable()
        const figure = figures.get(mode) as { times: number[]; p99: number[]; max: number[] }
        figure.times.push(took)
        figure.p99.push(delay.percentile(99) / 1e6)
        figure.max.push(delay.max / 1e6)
      }
    }
    useEngineWorker(worker)
    process.stdout.write(
      `Engine run for ${stations.length.toLocaleString('en-US')} stations (3 h horizon, 10 crews: up to 30 moves; suggestions written, the previous run's superseded), ${rounds} runs each way${worker ? '' : ' (no built worker: main thread only)'}\n\n`,
    )
    printTable([
      [
        '',
        'median',
        'fastest',
        'slowest',
        'loop p99 (median)',
        'loop max',
        'suggestions',
        'target',
      ],
      ...[...figures].map(([mode, figure]) => [
        mode === 'no run' ? 'no run (as long)' : `engine run, ${mode}`,
        ms(median(figure.times)),
        ms(Math.min(...figure.times)),
        ms(Math.max(...figure.times)),
        ms(median(figure.p99)),
        ms(Math.max(...figure.max)),
        String(created),
        '< 2 s, p99 < 20 ms',
      ]),
    ])

    // Runs for 10 vans over the same stations: F at each candidate's arrival slots, insertion
    // and local search (what the simulation's runs policy does at each decision).
    const system = await chooseSystem(db, SYSTEM, 'system_id')
    const rows = await stationsWithLatestStatus(db, SYSTEM)
    const modelAt = await currentModel(
      db,
      system,
      rows.map((row) => row.station_id),
      { now: () => now, logger: silentLogger() },
    )
    if (modelAt) {
      const live = liveStations(rows)
      const clock = localClock(now, system.timezone)
      const runStations = live.map((station) => ({
        lat: station.row.lat,
        lon: station.row.lon,
        bikes: station.bikes,
        capacity: station.capacity,
        canGive: station.canGive,
        canTake: station.canTake,
      }))
      const vans = Array.from({ length: 10 }, (_, k) => ({
        at: runStations[
          Math.floor(((k + 0.5) / 10) * runStations.length)
        ] as (typeof runStations)[number],
        load: (k * 3) % 11,
        capacity: 20,
        freeIn: 0,
      }))
      const planTimes: number[] = []
      let stops = 0
      for (let round = 0; round < rounds; round += 1) {
        const started = performance.now()
        const gain = arrivalValue({
          model: modelAt.model,
          date: clock.date,
          minute: clock.minute,
          horizonMinutes: 180,
          stations: live.map((station) => ({
            capacity: station.capacity,
            canRent: station.canGive,
            canReturn: station.canTake,
          })),
          modelIndex: live.map((station) => modelAt.model.index.get(station.row.station_id)),
          bikes: live.map((station) => station.bikes),
          cache: new Map<number, Dissatisfaction>(),
        })
        const runs = planVanRuns(runStations, vans, {
          handlingMinutes: 0.5,
          drive: (a, b) => driveMinutes(distanceKm(a, b)),
          gain,
        })
        planTimes.push(performance.now() - started)
        stops = runs.reduce((sum, run) => sum + run.stops.length, 0)
      }
      process.stdout.write(
        `\nRuns for 10 vans over ${live.length.toLocaleString('en-US')} stations (60-minute runs, F at arrival), ${rounds} plans\n\n`,
      )
      printTable([
        ['', 'median', 'fastest', 'slowest', 'stops', 'target'],
        [
          'plan runs',
          ms(median(planTimes)),
          ms(Math.min(...planTimes)),
          ms(Math.max(...planTimes)),
          String(stops),
          '< 2 s',
        ],
      ])
    }

    const month = join(sharedData(), 'trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')
    if (args.includes('--no-evaluate')) return
    if (!existsSync(month)) {
      process.stdout.write(`\n(no evaluate table: ${month} is missing)\n`)
      return
    }
    const gbfs = join(sharedData(), 'gbfs', 'fordgobike-legacy-2018-04-30')
    const trips = createTripsService({ db, databaseUrl: database.url, logger: silentLogger() })
    await trips.importFiles({
      paths: [month],
      systemId: 'fgb',
      stationsFile: join(gbfs, 'station_information.json'),
    })
    const report = await evaluate(db, {
      systemId: 'fgb',
      seeds: option(args, '--seeds', 5),
      startStatusFile: join(gbfs, 'station_status_2018-04-30T161610Z.json'),
    })
    process.stdout.write(
      `\nbalancer evaluate on February 2018 (fgb)\n${formatEvaluateReport(report)}`,
    )
  } finally {
    await database.dispose()
  }
}
