import { describeError } from '../errors.js'
import { exitWhenWritten } from './exit.js'
import { main } from './main.js'
import { ENGINE_WORKER_FILE, useEngineWorker } from '../engine/worker/plan-runner.js'

// The engine plans in a worker thread built next to this file (vite.cli.config.ts).
useEngineWorker(new URL(`./${ENGINE_WORKER_FILE}`, import.meta.url))

main(process.argv).then(
  (code) => exitWhenWritten(code),
  (error: unknown) => {
    process.stderr.write(`balancer: ${describeError(error)}\n`)
    return exitWhenWritten(1)
  },
)
