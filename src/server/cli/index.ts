import { describeError } from '../errors.js'
import { exitWhenWritten } from './exit.js'
import { main } from './main.js'

main(process.argv).then(
  (code) => exitWhenWritten(code),
  (error: unknown) => {
    process.stderr.write(`balancer: ${describeError(error)}\n`)
    return exitWhenWritten(1)
  },
)
