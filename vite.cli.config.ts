import { defineConfig } from 'vite'

/**
 * The `balancer` command line: src/server as one Node bundle (out/cli/balancer.js). Dependencies
 * stay in node_modules (an SSR build externalizes them); the SQL migrations are bundled in.
 */
export default defineConfig({
  build: {
    ssr: 'src/server/cli/index.ts',
    outDir: 'out/cli',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      output: { format: 'es', entryFileNames: 'balancer.js' },
    },
  },
})
