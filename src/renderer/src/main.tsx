// Fast refresh's preamble as a module: the page's CSP forbids the inline script Vite would add.
import '@vitejs/plugin-react/preamble'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createClient } from './api/client'
import { App } from './App'
import { takeSignInCode } from './session/sign-in-link'
import { browserTokenStore } from './session/token-store'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

// The preload's bridge in the desktop app; HTTP with a token when a browser opens /console/.
const bridge = window.balancer
const tokens = bridge ? null : browserTokenStore(window.localStorage)
const client = createClient(window, tokens ?? undefined)
// `serve`'s sign-in link: its one-time code, read once and taken out of the address bar.
const signInCode = tokens ? takeSignInCode(window) : null

createRoot(root).render(
  <StrictMode>
    <App client={client} tokens={tokens} signInCode={signInCode} />
  </StrictMode>,
)
