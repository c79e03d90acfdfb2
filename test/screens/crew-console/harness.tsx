import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { ConsoleClient } from '../../../src/renderer/src/api/client'
import { Shell } from '../../../src/renderer/src/shell/Shell'
import { CHANNELS, DISPATCHER, SOURCES } from './screen-data'

/**
 * The console's frame with made-up data, for screenshots only (never in the product): the
 * channels answer from screen-data.ts and the crew app's sources are given to the Shell.
 * `?screen=crews|problems|station|tasks|map&theme=light|dark`.
 */
const params = new URLSearchParams(window.location.search)
const ROUTES: Record<string, string> = {
  crews: '#/crews',
  problems: '#/problems',
  station: '#/station/bay_wheels/B',
  tasks: '#/tasks',
  map: '#/map',
}
window.localStorage.setItem('balancer.theme', params.get('theme') === 'dark' ? 'dark' : 'light')
window.localStorage.setItem('balancer.mapTiles', 'off')
window.location.hash = ROUTES[params.get('screen') ?? 'crews'] ?? '#/crews'

const client = {
  invoke: (channel: string, request?: unknown) => {
    const answer = CHANNELS[channel]
    if (!answer) return Promise.reject(new Error(`${channel}: not in this test page`))
    // A refusal arrives as a rejected promise, as from the real client.
    return new Promise((resolve) => resolve(answer(request)))
  },
  on: () => () => undefined,
} as unknown as ConsoleClient

const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Shell client={client} session={DISPATCHER} sources={SOURCES} />
    </StrictMode>,
  )
}
