import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The environment of a `balancer` process under test: no database but the one we give it. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Tests reach feeds on 127.0.0.1 only: no polling of the default (internet) feed unless a
  // test turns it on and gives its own --feed.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    BALANCER_POLL: 'off',
    ...extra,
  }
  if (!('DATABASE_URL' in extra)) delete env.DATABASE_URL
  if (!('GBFS_URL' in extra)) delete env.GBFS_URL
  delete env.TEST_DATABASE_URL
  return env
}

export interface RunningServe {
  child: ChildProcess
  url: string
  /** Everything the process wrote to stderr so far. */
  stderr: () => string
  /** Everything it wrote to stdout until it was ready (the lines before its URL). */
  stdout: string
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `balancer serve` as a real process and resolves once it prints its URL. */
export function startServe(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<RunningServe> {
  const child = spawn(process.execPath, ['bin/balancer.mjs', 'serve', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not print its URL within ${timeoutMs} ms:\n${stderr}`))
    }, timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code} before it was ready:\n${stderr}`))
    })
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve({
          child,
          url: match[1],
          stderr: () => stderr,
          stdout,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          },
        })
      }
    })
  })
}

/** The postmaster of a cluster directory, if one is running. */
export async function postmasterPid(clusterDir: string): Promise<number | null> {
  try {
    const text = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8')
    const pid = Number(text.split('\n')[0])
    process.kill(pid, 0)
    return pid
  } catch {
    return null
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return check()
}

/** Pids of running processes whose command line mentions `text` (Linux /proc). */
export async function processesMentioning(text: string): Promise<number[]> {
  const { readdir } = await import('node:fs/promises')
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ')
      if (cmdline.includes(text)) found.push(Number(entry))
    } catch {
      // exited while we looked
    }
  }
  return found
}
