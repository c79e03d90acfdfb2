/**
 * A seeded pseudo-random source, so that a simulation run is the same for the same seed on every
 * machine: sfc32 (a small fast counter generator, 128 bits of state, passes PractRand to 2^40+)
 * seeded through splitmix32 from one 32-bit number.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** A whole number in [0, n). */
  int(n: number): number
  /** Exponential with this rate (mean 1 / rate). */
  exponential(rate: number): number
  /** Poisson with this mean. */
  poisson(mean: number): number
  /** An independent stream derived from this one and a label (stable across runs). */
  fork(label: number): Random
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

export function createRandom(seed: number): Random {
  const init = splitmix32(seed)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const raw = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  // Discard the first outputs: sfc32's state mixes in over its first dozen steps.
  for (let i = 0; i < 12; i += 1) raw()

  const random: Random = {
    next: () => raw() / 4294967296,
    int: (n) => Math.floor((raw() / 4294967296) * n),
    exponential: (rate) => -Math.log(1 - raw() / 4294967296) / rate,
    poisson(mean) {
      // Knuth's product method, in pieces of mean <= 20 so that e^-mean stays well above zero.
      let count = 0
      let left = mean
      while (left > 0) {
        const piece = Math.min(left, 20)
        left -= piece
        const limit = Math.exp(-piece)
        let product = random.next()
        while (product > limit) {
          count += 1
          product *= random.next()
        }
      }
      return count
    },
    fork: (label) => createRandom((Math.imul(raw() ^ label, 0x27d4eb2d) + label) >>> 0),
  }
  return random
}
