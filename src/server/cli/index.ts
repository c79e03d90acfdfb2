import { main } from './main.js'

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`balancer: ${(error as Error).message}\n`)
    process.exit(1)
  },
)
