import { describeError } from '../errors.js'
import { main } from './main.js'

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`balancer: ${describeError(error)}\n`)
    process.exit(1)
  },
)
