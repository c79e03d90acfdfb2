// Electron's binary comes from outside the npm registry. Fetch it where that works (a depot
// desktop); where it cannot be had (build machines, or ELECTRON_SKIP_BINARY_DOWNLOAD=1) say so
// and carry on: the server, the command line, the tests and `electron-vite build` do not need it.
// npm runs this instead of Electron's own install script (denied in allowScripts), whose failure
// would fail the whole install.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
let electronDir
try {
  electronDir = dirname(require.resolve('electron/package.json'))
} catch {
  process.exit(0) // a production install without devDependencies
}

if (existsSync(join(electronDir, 'path.txt'))) process.exit(0)
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('electron: binary download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD is set)')
  process.exit(0)
}
const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
  stdio: ['ignore', 'inherit', 'pipe'],
  encoding: 'utf8',
})
if (result.status !== 0) {
  const reason =
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.exec(result.stderr ?? '')?.[0] ?? 'error'
  console.warn(
    `electron: could not download the Electron binary (${reason}). The desktop window will not ` +
      'open on this machine; `npm start` runs the headless server instead. To retry later: ' +
      'npm run install:electron',
  )
}
