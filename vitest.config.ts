import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'

/**
 * unit: pure logic, no database. db: integration tests on a real PostgreSQL (TEST_DATABASE_URL,
 * else an embedded one), each file in its own database cloned from a migrated template.
 * embedded: the embedded PostgreSQL's own lifecycle. renderer: React views in jsdom.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'db',
          // contract: the renderer's HTTP client and the IPC handlers against the real API.
          include: ['test/db/**/*.test.ts', 'test/contract/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/db-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'embedded',
          include: ['test/embedded/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Each test starts and stops real servers; in parallel they only fight for 2 cores.
          fileParallelism: false,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['test/renderer/setup.ts'],
          // A view's test renders the whole console in jsdom: well under a second alone, but CI
          // runs it beside the database tests on 2 cores, where 5 s was seen to run out.
          testTimeout: 30_000,
        },
      },
    ],
  },
})
