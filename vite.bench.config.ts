import { defineConfig } from 'vite'

/**
 * `npm run bench -- <name>`: the benchmarks in bench/ as one Node bundle (out/bench/index.js),
 * built like the CLI so they run the same code (SQL migrations included) under plain Node.
 */
export default defineConfig({
  build: {
    ssr: 'bench/index.ts',
    outDir: 'out/bench',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      output: { format: 'es', entryFileNames: 'index.js' },
    },
  },
})
