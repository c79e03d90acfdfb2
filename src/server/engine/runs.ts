/**
 * Runs per van: for each van where it is, with the bikes it carries, a sequence of stops
 * (several pickups and several drop-offs), feasible in load at every stop, each stop valued by
 * the expected failures it avoids at the time the van arrives there, the runs chosen for the
 * most failures avoided per crew-minute, with the vans coordinated (a station's need goes to one
 * van only).
 *
 * Insertion and local search (as in pickup-and-delivery heuristics at this size: a few vans,
 * about 15 stops each): repeatedly, of every (van, station, position in the van's run, quantity)
 * the insertion with the most added value per added minute is made, where the added value counts
 * the stops after it arriving later; the best insertion per van and station is kept and only the
 * changed van's are valued again. Then each run is improved by moving single stops to other
 * positions (relocate) while value per minute grows.
 */

export interface RunStation {
  lat: number
  lon: number
  /** Bikes a van could take now (classic bikes; e-bikes where allowed) and free docks. */
  bikes: number
  capacity: number
  canGive: boolean
  canTake: boolean
}

export interface RunVan {
  /** Where the van is (a station index) or a point. */
  at: { lat: number; lon: number }
  /** Bikes on board. */
  load: number
  capacity: number
  /** Minutes from now until the van is free to start (0: now). */
  freeIn: number
}

export interface RunStop {
  station: number
  /** Bikes loaded (> 0) or unloaded (< 0) here. */
  load: number
  /** Minutes from now when the van arrives, and when it leaves. */
  arrive: number
  leave: number
  /** Expected failures avoided at this station over the horizon from the van's arrival. */
  gain: number
}

export interface PlannedRun {
  van: number
  stops: RunStop[]
  /** Minutes from the van's start to its last stop's end. */
  minutes: number
  gain: number
}

export interface RunsOptions {
  /** The longest run, in minutes of the van's time. */
  runMinutes: number
  maxStops: number
  handlingMinutes: number
  /** Drive minutes between two points. */
  drive: (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => number
  /** Stations worth a stop (indexes), e.g. outside their service range or their partners. */
  candidates: readonly number[]
  /**
   * Expected failures avoided when the station's count changes by `delta` (bikes added: > 0)
   * at `minute` from now; NaN or -Infinity when infeasible there (no such bikes or docks).
   */
  gain: (station: number, delta: number, minute: number) => number
  /** A stop must avoid at least this many failures. */
  minGain?: number
  /** Stations no van may be sent to (another van's pending work covers them). */
  taken?: ReadonlySet<number>
  /** Candidates tried per insertion: those nearest the van or a stop of its run. */
  nearest?: number
}

interface Insertion {
  station: number
  position: number
  load: number
  /** Added value / added minutes. */
  score: number
  value: number
  minutes: number
}

interface Route {
  van: RunVan
  stations: number[]
  loads: number[]
}

const DEFAULT_MIN_GAIN = 0.1
const DEFAULT_NEAREST = 30

/** Arrival and leaving times, the load after each stop, and the stops' gains, for a route. */
export function evaluateRoute(
  stations: readonly RunStation[],
  route: Route,
  options: Pick<RunsOptions, 'drive' | 'handlingMinutes' | 'gain'>,
): { stops: RunStop[]; minutes: number; gain: number; feasible: boolean } {
  const stops: RunStop[] = []
  let where = route.van.at
  let clock = route.van.freeIn
  let load = route.van.load
  let gain = 0
  let feasible = true
  for (const [index, station] of route.stations.entries()) {
    const at = stations[station] as RunStation
    const change = route.loads[index] as number
    const arrive = clock + options.drive(where, at)
    const leave = arrive + Math.abs(change) * options.handlingMinutes
    load += change
    if (load < 0 || load > route.van.capacity || change === 0) feasible = false
    const value = options.gain(station, -change, arrive)
    if (!Number.isFinite(value)) feasible = false
    stops.push({ station, load: change, arrive, leave, gain: value })
    gain += value
    clock = leave
    where = at
  }
  return { stops, minutes: clock - route.van.freeIn, gain, feasible }
}

/** The load on board after each stop (index -1: the van's own load). */
function loadsAfter(route: Route): number[] {
  const loads: number[] = []
  let load = route.van.load
  for (const change of route.loads) {
    load += change
    loads.push(load)
  }
  return loads
}

/**
 * The best insertion of `station` into `route`: every position, both directions, each feasible
 * quantity; the one with the most added value per added minute.
 */
function bestInsertion(
  stations: readonly RunStation[],
  route: Route,
  station: number,
  base: { minutes: number; gain: number },
  options: RunsOptions,
): Insertion | null {
  const at = stations[station] as RunStation
  const after = loadsAfter(route)
  const minGain = options.minGain ?? DEFAULT_MIN_GAIN
  let best: Insertion | null = null
  for (let position = 0; position <= route.stations.length; position += 1) {
    // Room for a pickup here: the most on board from here on; bikes for a drop-off: the least.
    const before = position === 0 ? route.van.load : (after[position - 1] as number)
    let most = before
    let least = before
    for (let k = position; k < after.length; k += 1) {
      most = Math.max(most, after[k] as number)
      least = Math.min(least, after[k] as number)
    }
    const limits: [number, number][] = []
    if (at.canGive) limits.push([1, Math.min(route.van.capacity - most, at.bikes)])
    if (at.canTake) limits.push([-1, Math.min(least, at.capacity - at.bikes)])
    for (const [sign, limit] of limits) {
      // Quantities by halving from the most: the value's diminishing returns make the exact
      // optimum rarely worth the extra evaluations of the whole route.
      const tried = new Set<number>()
      for (let qty = limit; qty >= 1; qty = Math.floor(qty / 2)) tried.add(qty)
      for (const qty of [...tried, Math.min(limit, 3)]) {
        if (qty < 1) continue
        const trial: Route = {
          van: route.van,
          stations: [
            ...route.stations.slice(0, position),
            station,
            ...route.stations.slice(position),
          ],
          loads: [...route.loads.slice(0, position), sign * qty, ...route.loads.slice(position)],
        }
        const result = evaluateRoute(stations, trial, options)
        if (!result.feasible || result.minutes > options.runMinutes) continue
        const value = result.gain - base.gain
        const stopGain = result.stops[position]?.gain ?? 0
        if (stopGain < minGain || value < minGain) continue
        const minutes = Math.max(1e-6, result.minutes - base.minutes)
        const score = value / minutes
        if (!best || score > best.score) {
          best = { station, position, load: sign * qty, score, value, minutes }
        }
      }
    }
  }
  return best
}

/** Moves single stops to other positions while the run's value per minute grows. */
function relocate(stations: readonly RunStation[], route: Route, options: RunsOptions): void {
  const rate = (r: Route) => {
    const result = evaluateRoute(stations, r, options)
    return result.feasible && result.minutes <= options.runMinutes
      ? result.gain / Math.max(1e-6, result.minutes)
      : -Infinity
  }
  let current = rate(route)
  for (let improved = true, rounds = 0; improved && rounds < 5; rounds += 1) {
    improved = false
    for (let from = 0; from < route.stations.length; from += 1) {
      for (let to = 0; to < route.stations.length; to += 1) {
        if (to === from) continue
        const stationsMoved = [...route.stations]
        const loadsMoved = [...route.loads]
        const [station] = stationsMoved.splice(from, 1)
        const [load] = loadsMoved.splice(from, 1)
        stationsMoved.splice(to, 0, station as number)
        loadsMoved.splice(to, 0, load as number)
        const trial = { van: route.van, stations: stationsMoved, loads: loadsMoved }
        const value = rate(trial)
        if (value > current + 1e-9) {
          route.stations = stationsMoved
          route.loads = loadsMoved
          current = value
          improved = true
        }
      }
    }
  }
}

/** Plans a run for every van at once: the vans share the stations' needs. */
export function planRuns(
  stations: readonly RunStation[],
  vans: readonly RunVan[],
  options: RunsOptions,
): PlannedRun[] {
  const routes: Route[] = vans.map((van) => ({ van, stations: [], loads: [] }))
  const taken = new Set(options.taken ?? [])
  const candidates = options.candidates.filter((station) => !taken.has(station))
  // best[v][c]: van v's best insertion of candidates[c] (null: none).
  const best: (Insertion | null)[][] = routes.map(() => candidates.map(() => null))
  const refresh = (v: number) => {
    const route = routes[v] as Route
    const result = evaluateRoute(stations, route, options)
    const row = best[v] as (Insertion | null)[]
    row.fill(null)
    if (route.stations.length >= options.maxStops) return
    // The candidates nearest the van or one of its stops: the others would not pay the drive.
    const points = [route.van.at, ...route.stations.map((k) => stations[k] as RunStation)]
    const near = candidates
      .map((station, c) => ({ c, station }))
      .filter(({ station }) => !taken.has(station))
      .map((entry) => ({
        ...entry,
        minutes: Math.min(
          ...points.map((p) => options.drive(p, stations[entry.station] as RunStation)),
        ),
      }))
      .sort((a, b) => a.minutes - b.minutes)
      .slice(0, options.nearest ?? DEFAULT_NEAREST)
    for (const { c, station } of near) {
      row[c] = bestInsertion(stations, route, station, result, options)
    }
  }
  routes.forEach((_, v) => refresh(v))
  for (;;) {
    let chosen: { v: number; c: number; insertion: Insertion } | null = null
    for (const [v, row] of best.entries()) {
      for (const [c, insertion] of row.entries()) {
        if (insertion && (!chosen || insertion.score > chosen.insertion.score)) {
          chosen = { v, c, insertion }
        }
      }
    }
    if (!chosen) break
    const route = routes[chosen.v] as Route
    const { station, position, load } = chosen.insertion
    route.stations.splice(position, 0, station)
    route.loads.splice(position, 0, load)
    taken.add(station)
    for (const row of best) row[chosen.c] = null
    refresh(chosen.v)
  }
  return routes.map((route, van) => {
    relocate(stations, route, options)
    const result = evaluateRoute(stations, route, options)
    return { van, stops: result.stops, minutes: result.minutes, gain: result.gain }
  })
}
