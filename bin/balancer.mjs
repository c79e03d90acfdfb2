#!/usr/bin/env node
// The `balancer` command. It runs the bundled CLI (out/cli/balancer.js) and, in a checkout,
// rebuilds that bundle first whenever a source it is made from is newer, so that
// `npm run balancer -- <command>` works on a fresh clone and never runs stale code.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const bundle = join(root, 'out', 'cli', 'balancer.js')
const sources = ['src/server', 'src/shared', 'db/migrations', 'package.json', 'vite.cli.config.ts']

function newestMtime(path) {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

const present = sources.map((source) => join(root, source)).filter((path) => existsSync(path))
const builtAt = existsSync(bundle) ? statSync(bundle).mtimeMs : -1
const stale = builtAt < 0 || present.some((path) => newestMtime(path) > builtAt)

if (stale && present.length > 0) {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
  if (!existsSync(vite)) {
    process.stderr.write('balancer: dependencies are missing; run `npm install` first\n')
    process.exit(1)
  }
  // Build beside the bundle and swap it in with a rename, so that a command starting at the same
  // moment never loads a half-written file. Build output goes to stderr: stdout is for what the
  // command itself prints.
  const staging = join(root, 'out', `.cli-build-${process.pid}`)
  const build = spawnSync(
    process.execPath,
    [
      vite,
      'build',
      '--config',
      join(root, 'vite.cli.config.ts'),
      '--outDir',
      staging,
      '--logLevel',
      'warn',
    ],
    { cwd: root, stdio: ['ignore', 2, 2] },
  )
  if (build.status !== 0) {
    rmSync(staging, { recursive: true, force: true })
    process.stderr.write('balancer: building the command line failed (see above)\n')
    process.exit(build.status ?? 1)
  }
  mkdirSync(dirname(bundle), { recursive: true })
  for (const file of readdirSync(staging))
    renameSync(join(staging, file), join(dirname(bundle), file))
  rmSync(staging, { recursive: true, force: true })
}

await import(pathToFileURL(bundle).href)
