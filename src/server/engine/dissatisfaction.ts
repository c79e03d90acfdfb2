/**
 * Expected dissatisfaction (Raviv & Kolka 2013): the expected number of riders who find no bike
 * (failed rentals) plus those who find no free dock (failed returns) at one station over a
 * horizon, for every starting number of bikes x = 0..capacity at once.
 *
 * The station is a birth-death process on 0..C: returns arrive at rate mu(t) and add a bike
 * unless the station is full (then the return fails), rentals arrive at rate lambda(t) and take a
 * bike unless it is empty (then the rental fails). Rates are piecewise constant (one value per
 * 15-minute slot). With V(t, x) the expected failures from t to the end of the horizon,
 *   -dV/dt = Q V + c,  V(end) = 0,  c(x) = lambda [x = 0] + mu [x = C],
 * which over a segment of constant rates and length h is solved exactly by uniformization:
 *   V(start) = sum_k [ Pois(k; Lh) P^k V(end) + (1/L) P(N >= k+1) P^k c ],  P = I + Q/L, L = lambda + mu.
 * The Poisson series is cut where its tail is below 1e-12; long segments are split so that
 * L h stays below 30 (no underflow of e^{-Lh}). Cost: O(K C) per segment, K ~ L h + 10 sqrt(L h).
 */

/** One stretch of constant rates, in events per minute. */
export interface RateSegment {
  minutes: number
  rentals: number
  returns: number
}

/** F split by kind: index x is the expectation when the station starts with x bikes. */
export interface Dissatisfaction {
  failedRentals: Float64Array
  failedReturns: Float64Array
}

const TAIL = 1e-12
const MAX_RATE_TIME = 30

/** (P v)_x for the uniformized chain: one step of the embedded jump chain. */
function applyP(
  v: Float64Array,
  out: Float64Array,
  capacity: number,
  down: number,
  up: number,
): void {
  for (let x = 0; x <= capacity; x += 1) {
    const here = v[x] as number
    let next = here
    if (x > 0) next += down * ((v[x - 1] as number) - here)
    if (x < capacity) next += up * ((v[x + 1] as number) - here)
    out[x] = next
  }
}

/**
 * One segment backwards: values at its end (`rentalsEnd`, `returnsEnd`) become values at its
 * start, in place.
 */
function stepBack(
  capacity: number,
  rentals: number,
  returns: number,
  minutes: number,
  rentalsValue: Float64Array,
  returnsValue: Float64Array,
  work: Work,
): void {
  const total = rentals + returns
  if (total <= 0 || minutes <= 0) return
  const pieces = Math.max(1, Math.ceil((total * minutes) / MAX_RATE_TIME))
  const h = minutes / pieces
  const n = capacity + 1
  const down = rentals / total
  const up = returns / total
  const mean = total * h
  // P^k V(end) and P^k c, per kind, advanced together.
  const { a, b, scratch } = work
  for (let piece = 0; piece < pieces; piece += 1) {
    a[0].set(rentalsValue)
    a[1].set(returnsValue)
    b[0].fill(0)
    b[1].fill(0)
    b[0][0] = rentals
    b[1][capacity] = returns
    rentalsValue.fill(0)
    returnsValue.fill(0)
    let pmf = Math.exp(-mean)
    let cdf = pmf
    for (let k = 0; ; k += 1) {
      const tail = 1 - cdf
      for (let x = 0; x < n; x += 1) {
        rentalsValue[x] =
          (rentalsValue[x] as number) +
          pmf * (a[0][x] as number) +
          (tail / total) * (b[0][x] as number)
        returnsValue[x] =
          (returnsValue[x] as number) +
          pmf * (a[1][x] as number) +
          (tail / total) * (b[1][x] as number)
      }
      if (tail < TAIL && k > mean) break
      for (const v of [a[0], a[1], b[0], b[1]]) {
        applyP(v, scratch, capacity, down, up)
        v.set(scratch)
      }
      pmf *= mean / (k + 1)
      cdf += pmf
    }
  }
}

/** Vectors a backward pass reuses from segment to segment (allocation showed in profiles). */
interface Work {
  a: readonly [Float64Array, Float64Array]
  b: readonly [Float64Array, Float64Array]
  scratch: Float64Array
}

/** F_s(x) for x = 0..capacity over the segments (in time order), for both kinds of failure. */
export function expectedDissatisfaction(
  capacity: number,
  segments: readonly RateSegment[],
): Dissatisfaction {
  const size = Math.max(0, Math.floor(capacity)) + 1
  const failedRentals = new Float64Array(size)
  const failedReturns = new Float64Array(size)
  const work: Work = {
    a: [new Float64Array(size), new Float64Array(size)],
    b: [new Float64Array(size), new Float64Array(size)],
    scratch: new Float64Array(size),
  }
  for (let index = segments.length - 1; index >= 0; index -= 1) {
    const segment = segments[index] as RateSegment
    stepBack(
      size - 1,
      Math.max(0, segment.rentals),
      Math.max(0, segment.returns),
      segment.minutes,
      failedRentals,
      failedReturns,
      work,
    )
  }
  return { failedRentals, failedReturns }
}

/** Total expected failures when starting with x bikes. */
export function totalAt(f: Dissatisfaction, x: number): number {
  return (f.failedRentals[x] ?? NaN) + (f.failedReturns[x] ?? NaN)
}

/**
 * When the expected (fluid) bike count from x first reaches empty or full, in minutes from the
 * start, for the dispatcher's reason text. Null when it stays strictly inside over the segments.
 */
export function fluidCrossing(
  capacity: number,
  x: number,
  segments: readonly RateSegment[],
): { kind: 'empty' | 'full'; minutes: number } | null {
  let level = x
  let elapsed = 0
  if (level <= 0) return { kind: 'empty', minutes: 0 }
  if (level >= capacity) return { kind: 'full', minutes: 0 }
  for (const segment of segments) {
    const drift = segment.returns - segment.rentals
    const end = level + drift * segment.minutes
    if (end <= 0 && drift < 0) return { kind: 'empty', minutes: elapsed + level / -drift }
    if (end >= capacity && drift > 0) {
      return { kind: 'full', minutes: elapsed + (capacity - level) / drift }
    }
    level = end
    elapsed += segment.minutes
  }
  return null
}
