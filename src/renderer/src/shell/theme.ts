import { useEffect, useState } from 'react'

export type ThemeChoice = 'system' | 'light' | 'dark'

export const THEME_KEY = 'balancer.theme'
const ORDER: ThemeChoice[] = ['system', 'light', 'dark']

function stored(): ThemeChoice {
  try {
    const value = window.localStorage.getItem(THEME_KEY)
    return value === 'light' || value === 'dark' ? value : 'system'
  } catch {
    return 'system'
  }
}

/**
 * The system's light or dark (prefers-color-scheme), unless the dispatcher chose one: a night
 * shift may want dark on a light desktop. The stylesheet reads `data-theme` on <html>.
 */
export function useTheme(): [ThemeChoice, () => void] {
  const [theme, setTheme] = useState<ThemeChoice>(stored)
  useEffect(() => {
    const root = document.documentElement
    if (theme === 'system') root.removeAttribute('data-theme')
    else root.setAttribute('data-theme', theme)
    try {
      if (theme === 'system') window.localStorage.removeItem(THEME_KEY)
      else window.localStorage.setItem(THEME_KEY, theme)
    } catch {
      // Storage refused (a locked-down browser): the choice lasts for this visit.
    }
  }, [theme])
  const next = () =>
    setTheme((current) => ORDER[(ORDER.indexOf(current) + 1) % ORDER.length] ?? 'system')
  return [theme, next]
}
