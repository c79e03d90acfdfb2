import { defineConfig } from 'vitest/config'

/**
 * End-to-end: the built app (`npm run build` first) driven from outside: the `balancer` command
 * as a process, and the renderer in Debian's Chromium through playwright-core. Screenshots go to
 * test-results/screenshots.
 */
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
})
