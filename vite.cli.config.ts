import { defineConfig } from 'vite'

/**
 * The `balancer` command line: src/server as one Node bundle (out/cli/balancer.js). Dependencies
 * stay in node_modules (an SSR build externalizes them); the SQL migrations are bundled in.
 */
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/cli',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      // The engine's worker thread is an entry of its own, next to the main one.
      input: {
        balancer: 'src/server/cli/index.ts',
        'engine-worker': 'src/server/engine/worker/engine-worker.ts',
      },
      // Flat and unhashed: bin/balancer.mjs swaps a new build in file by file.
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js' },
    },
  },
})
