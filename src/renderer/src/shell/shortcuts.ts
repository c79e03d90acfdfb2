import { useEffect, useRef } from 'react'
import type { ViewInfo } from './routes'

/** Keys typed into a field are text, not commands. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return (
    target.isContentEditable ||
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  )
}

/** An action that returns `false` did not take its key: the view's own keys get it next. */
export type KeyMap = Record<string, (event: KeyboardEvent) => unknown>

/**
 * Single-key shortcuts (`j`, `a`, `A` for shift+a, `?`) while `enabled`. Ignored while typing in
 * a field or with Ctrl, Alt or Cmd held, so the browser's and the system's own keys still work.
 * `first`: heard before every other page's keys, whichever was mounted first (the shell's `g`
 * chords, which a view's own letter must not take).
 */
export function useKeys(keys: KeyMap, enabled = true, { first = false } = {}): void {
  const current = useRef(keys)
  useEffect(() => {
    current.current = keys
  })
  useEffect(() => {
    if (!enabled) return
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return
      if (isTyping(event.target)) return
      const action = current.current[event.key]
      if (!action || action(event) === false) return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey, first)
    return () => window.removeEventListener('keydown', onKey, first)
  }, [enabled, first])
}

export interface Shortcut {
  keys: string
  what: string
}

/**
 * The keys that work anywhere, for the views this person has: one `g` chord per view and the
 * number keys in menu order, both made from the same list the menu is (so they cannot drift).
 */
export function globalShortcuts(views: readonly ViewInfo[]): Shortcut[] {
  const tenth = views[9]
  return [
    ...views.map((view) => ({ keys: `g ${view.key}`, what: view.label })),
    { keys: `1 – ${Math.min(views.length, 9)}`, what: 'The views in the order of the menu' },
    ...(tenth ? [{ keys: '0', what: `${tenth.label}, the tenth` }] : []),
    { keys: '?', what: 'This help' },
    { keys: 'Esc', what: 'Close a dialog or this help' },
  ]
}

export const STATION_SHORTCUTS: Shortcut[] = [
  { keys: '/', what: 'Search stations by name or id' },
  { keys: 'j / k', what: 'Next / previous station (or ↓ / ↑)' },
  { keys: 'Enter', what: 'Open the highlighted station' },
  { keys: 'c', what: 'Only critical stations, or all again' },
  { keys: 'Tab', what: 'Reach a column header; Enter sorts by it, again reverses' },
]

export const SUGGESTION_SHORTCUTS: Shortcut[] = [
  { keys: 'j / k', what: 'Next / previous suggestion' },
  { keys: 'a', what: 'Approve the highlighted suggestion' },
  { keys: 'r', what: 'Reject the highlighted suggestion: a reason if you like, then Enter' },
  { keys: 'u', what: 'Undo the approval or rejection just made (while its notice shows)' },
  { keys: 'x', what: 'Select or unselect it for a batch' },
  { keys: 'A', what: 'Approve every selected suggestion (shift + a)' },
]

export const TASK_SHORTCUTS: Shortcut[] = [
  { keys: '/', what: 'Filter by station' },
  { keys: 'Esc', what: 'Leave the filter' },
]

export const SERVICE_SHORTCUTS: Shortcut[] = [
  { keys: '[ / ]', what: 'Earlier / later range of days' },
  { keys: 'w', what: 'The last 7 days of data' },
  { keys: 'W', what: 'The last 30 days of data (shift + w)' },
  { keys: 'r', what: 'The daily report of the chosen day' },
  { keys: 'Tab', what: 'Reach a column header; Enter sorts by it, again reverses' },
]

export const REPORT_SHORTCUTS: Shortcut[] = [
  { keys: '[ / ]', what: 'Previous / next day' },
  { keys: 'p', what: 'Print, or save as PDF' },
  { keys: 'Esc', what: 'Back to Service' },
]
