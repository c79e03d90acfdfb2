import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { VitePWA } from 'vite-plugin-pwa'
import { defineConfig } from 'vite'

/**
 * The crew's phone app (src/crew) as its own bundle in out/crew, served by the embedded server at
 * /crew/. Its own build, not a fourth electron-vite entry: it is never loaded from file://, so its
 * URLs are absolute under /crew/ (the service worker's scope), and the console's code never ships
 * to a phone on mobile data.
 *
 * The service worker is Workbox's generateSW: the app shell (HTML, JS, CSS, icons, manifest) is
 * precached, so the app opens in a tunnel; API calls are never cached (the phone's queue in
 * IndexedDB, not the worker, carries work through dead spots).
 */
export default defineConfig({
  root: resolve('src/crew'),
  base: '/crew/',
  publicDir: resolve('src/crew/public'),
  build: {
    outDir: resolve('out/crew'),
    emptyOutDir: true,
    minify: true,
    target: 'es2022',
  },
  plugins: [
    react(),
    VitePWA({
      // A script tag to registerSW.js, not inline code: the page's CSP allows no inline script.
      injectRegister: 'script',
      registerType: 'autoUpdate',
      scope: '/crew/',
      base: '/crew/',
      manifest: {
        id: '/crew/',
        name: 'Bay Wheels Crew',
        short_name: 'Crew',
        description: 'Claim, move and report bike-share rebalancing tasks from the van.',
        start_url: '/crew/',
        scope: '/crew/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#0b3d2e',
        background_color: '#0b3d2e',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: 'icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
        navigateFallback: '/crew/index.html',
        // The API lives beside the app under /crew/ (pair, me, task, events, shift): never the shell.
        navigateFallbackAllowlist: [/^\/crew\/(index\.html)?(\?.*)?$/],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
})
