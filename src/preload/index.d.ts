import type { DesktopBridge } from '../shared/contract'

declare global {
  interface Window {
    /** The preload's bridge; absent when the console runs in a browser. */
    balancer?: DesktopBridge
  }
}
