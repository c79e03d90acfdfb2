import { defineConfig } from 'vite'

/**
 * `npm run bench -- <name>`: the benchmarks in bench/ as one Node bundle (out/bench/index.js),
 * built like the CLI so they run the same code (SQL migrations included) under plain Node.
 */
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/bench',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      // The engine's worker thread is an entry of its own, next to the main one.
      input: {
        index: 'bench/index.ts',
        'engine-worker': 'src/server/engine/worker/engine-worker.ts',
      },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
})
