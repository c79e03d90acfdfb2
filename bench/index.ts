/**
 * Benchmark runner: `npm run bench -- <name> [options]` runs bench/<name>.bench.ts, which prints
 * its figures. `npm run bench` alone lists them. Benchmarks measure ratios against a baseline taken
 * in the same run (machines here are shared and noisy), never single absolute times.
 */
import { isMainThread, workerData } from 'node:worker_threads'
import { ENGINE_WORKER_FILE, useEngineWorker } from '../src/server/engine/worker/plan-runner.js'

// The engine plans in a worker thread built next to this file (vite.bench.config.ts).
useEngineWorker(new URL(`./${ENGINE_WORKER_FILE}`, import.meta.url))

interface BenchModule {
  description: string
  /** A number is the exit code (a benchmark that checks invariants fails with 1). */
  run(args: string[]): Promise<unknown>
}

const modules = import.meta.glob<BenchModule>('./*.bench.ts')
const benches = new Map(
  Object.entries(modules).map(([path, load]) => [path.replace(/^\.\/|\.bench\.ts$/g, ''), load]),
)

async function main(): Promise<number> {
  // A benchmark may run part of itself in a worker thread (a server under load): the worker
  // loads this same bundle and names its benchmark in workerData.
  const [name, ...args] = isMainThread
    ? process.argv.slice(2)
    : [(workerData as { bench: string }).bench]
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write('usage: npm run bench -- <name> [options]\n\nbenchmarks:\n')
    for (const [benchName, load] of [...benches].sort(([a], [b]) => a.localeCompare(b))) {
      const { description } = await load()
      process.stdout.write(`  ${benchName.padEnd(12)} ${description}\n`)
    }
    return 0
  }
  const load = benches.get(name)
  if (!load) {
    process.stderr.write(
      `bench: unknown benchmark "${name}"; known: ${[...benches.keys()].sort().join(', ')}\n`,
    )
    return 2
  }
  const bench = await load()
  const code = await bench.run(args)
  return typeof code === 'number' ? code : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exit(1)
  },
)
