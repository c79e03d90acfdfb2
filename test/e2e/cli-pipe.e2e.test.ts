import { execFile, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workspace, type Workspace } from '../helpers/e2e.js'

const run = promisify(execFile)
const PIPE_BYTES = 65_536

let space: Workspace

/**
 * Runs `balancer ARGS | { sleep 1; cat; }` in bash: stdout on a real pipe (64 KiB of buffer; Node's
 * own 'pipe' stdio is a socket pair with more) whose reader starts a second late, as `| jq` on a
 * busy machine would. The exit code is balancer's (pipefail).
 */
function throughSlowPipe(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(
    'bash',
    [
      '-c',
      'set -o pipefail; "$0" bin/balancer.mjs "$@" | { sleep 1; cat; }',
      process.execPath,
      ...args,
    ],
    { env: space.env(), stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`balancer ${args.join(' ')} did not end within 60 s`))
    }, 60_000)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

/** 600 stations with long names, and five snapshots of them on a July morning in San Francisco. */
async function writeStatusHistory(dir: string): Promise<string> {
  const ids = Array.from({ length: 600 }, (_, i) => `pipe-${String(i).padStart(4, '0')}`)
  const stations = ids.map((id, i) => ({
    station_id: id,
    name: `Station ${i} at a long street name so that the report grows past one pipe buffer`,
    lat: 37.7 + (i % 30) / 300,
    lon: -122.45 + Math.floor(i / 30) / 300,
    capacity: 20,
  }))
  await writeFile(
    join(dir, 'station_information.json'),
    JSON.stringify({ last_updated: 1688972711, ttl: 60, data: { stations } }),
  )
  const header =
    'poll_time,station_id,last_reported,num_bikes_available,num_ebikes_available,num_docks_available,num_docks_disabled,num_bikes_disabled,is_installed,is_renting,is_returning'
  const lines = [header]
  for (let snapshot = 0; snapshot < 5; snapshot++) {
    const at = new Date(Date.UTC(2023, 6, 10, 16, snapshot * 10)).toISOString()
    ids.forEach((id, i) => {
      const bikes = (i + snapshot) % 3 === 0 ? 0 : 10
      lines.push(`${at},${id},${at},${bikes},0,${20 - bikes},0,0,1,1,1`)
    })
  }
  const file = join(dir, 'station_status.csv')
  await writeFile(file, `${lines.join('\n')}\n`)
  return file
}

beforeAll(async () => {
  space = await workspace('balancer-e2e-pipe-')
  await run(process.execPath, ['bin/balancer.mjs', 'migrate'], { env: space.env() })
  // 600 tokens with 100-character names, written directly: 600 `token create` runs would take
  // minutes, and only the listing is under test.
  const client = new pg.Client({ connectionString: space.database.url })
  await client.connect()
  try {
    await client.query(
      `INSERT INTO api_tokens (name, role, token_hash, token_prefix, created_by)
       SELECT rpad('Van ' || n || ' ', 100, 'x'), 'analyst', sha256(('pipe' || n)::bytea),
              'bwb_' || lpad(n::text, 6, '0'), 'pipe test'
       FROM generate_series(1, 600) AS n`,
    )
  } finally {
    await client.end()
  }
  const history = await writeStatusHistory(space.dir)
  await run(process.execPath, ['bin/balancer.mjs', 'import-status', history, '--system', 'pipe'], {
    env: space.env(),
  })
}, 120_000)

afterAll(async () => {
  await space.remove()
})

describe('the command line through a pipe', () => {
  it('writes all of `token list --all --json`, larger than a pipe buffer', async () => {
    const { code, stdout } = await throughSlowPipe(['token', 'list', '--all', '--json'])
    expect(code).toBe(0)
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(PIPE_BYTES)
    const tokens = JSON.parse(stdout) as { name: string }[]
    expect(tokens).toHaveLength(600)
  })

  it('writes all of the text `token list --all`', async () => {
    const { code, stdout } = await throughSlowPipe(['token', 'list', '--all'])
    expect(code).toBe(0)
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(PIPE_BYTES)
    expect(stdout.trimEnd().split('\n')).toHaveLength(600)
  })

  it('writes all of `report --json`, larger than a pipe buffer', async () => {
    const { code, stdout } = await throughSlowPipe([
      'report',
      '--day',
      '2023-07-10',
      '--system',
      'pipe',
      '--json',
    ])
    expect(code).toBe(0)
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(PIPE_BYTES)
    const report = JSON.parse(stdout) as { day: string; stations: unknown[] }
    expect(report.day).toBe('2023-07-10')
    expect(report.stations).toHaveLength(600)
  })

  it('refuses a token name with a control character, saying so', async () => {
    const refused = await run(
      process.execPath,
      ['bin/balancer.mjs', 'token', 'create', '--role', 'analyst', '--name', 'Van\u00013'],
      { env: space.env() },
    ).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string },
    )
    expect(refused?.code).toBe(1)
    expect(refused?.stderr).toMatch(/name: contains a control character/)
  })
})
