import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { logDirOf, openLogFiles } from '../../src/server/log-files.js'
import { createTeeLogger } from '../../src/server/logger.js'

describe('the log files', () => {
  it('are written in <data dir>/logs, with current.log pointing at the one being written', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'balancer-logs-'))
    try {
      const tee = createTeeLogger('info')
      tee.add(await openLogFiles(logDirOf(dataDir)))
      tee.logger.info({ path: '/health' }, 'request')
      tee.flush()
      await new Promise((resolve) => setTimeout(resolve, 100))
      const files = await readdir(join(dataDir, 'logs'))
      expect(files).toEqual(expect.arrayContaining(['balancer.1.log', 'current.log']))
      const line = (await readFile(join(dataDir, 'logs', 'current.log'), 'utf8')).trim()
      expect(JSON.parse(line)).toMatchObject({ app: 'balancer', path: '/health', msg: 'request' })
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
