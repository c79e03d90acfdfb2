// `npm start`: the desktop console where Electron is installed; otherwise (a build machine
// without the Electron binary) the same dispatch server, headless, on the same data directory.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const electronInstalled = existsSync(join(root, 'node_modules', 'electron', 'path.txt'))
const args = process.argv.slice(2)

if (electronInstalled) {
  const viteCli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const child = spawn(process.execPath, [viteCli, 'preview', ...args], {
    cwd: root,
    stdio: 'inherit',
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal))
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
} else {
  process.stderr.write(
    'Electron is not installed on this machine: starting the headless dispatch server instead.\n',
  )
  process.argv = [process.argv[0], join(root, 'bin', 'balancer.mjs'), 'serve', ...args]
  await import('../bin/balancer.mjs')
}
