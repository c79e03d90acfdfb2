import { createRoot } from 'react-dom/client'
import { App } from './App'
import { CrewSession } from './session'
import { indexedDbStore, memoryStore } from './storage'
import './crew.css'
import './forms.css'

/**
 * The pairing code arrives in the URL's fragment (#pair=CODE), which no server or proxy log sees.
 * It is taken out of the address bar before anything renders, so it is not left in the history
 * or on a screenshot.
 */
function takePairCode(): string | null {
  const match = /(?:^#|&)pair=([^&]+)/.exec(window.location.hash)
  if (!match?.[1]) return null
  window.history.replaceState(null, '', window.location.pathname + window.location.search)
  return decodeURIComponent(match[1])
}

const pairCode = takePairCode()
const session = new CrewSession('indexedDB' in window ? indexedDbStore() : memoryStore())
const root = document.getElementById('root')
if (root) createRoot(root).render(<App session={session} />)
// Opened from the dispatcher's QR code: trade the code, whatever else is on the phone.
void session.start().then(() => (pairCode ? session.pair(pairCode) : undefined))
// A pairing link opened while the app is already open changes only the fragment.
window.addEventListener('hashchange', () => {
  const code = takePairCode()
  if (code) void session.pair(code)
})
