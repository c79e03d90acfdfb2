import type { Heartbeat } from './api'

/** The phone's position and battery, each when the browser gives it (never waiting long). */

interface BatteryManager {
  level: number
}
type WithBattery = Navigator & { getBattery?: () => Promise<BatteryManager> }

export interface Position {
  lat: number
  lon: number
}

/** The position within 8 s (a cached one up to 30 s old will do), else null. */
export function currentPosition(): Promise<Position | null> {
  if (!('geolocation' in navigator)) return Promise.resolve(null)
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lon: position.coords.longitude }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 8_000, maximumAge: 30_000 },
    )
  })
}

export async function batteryLevel(): Promise<number | null> {
  const nav = navigator as WithBattery
  if (typeof nav.getBattery !== 'function') return null
  try {
    const battery = await nav.getBattery()
    return Math.min(1, Math.max(0, battery.level))
  } catch {
    return null
  }
}

/** What a heartbeat (or the start of a shift) carries: only the fields the phone knows. */
export async function whereAndBattery(): Promise<Heartbeat> {
  const [position, battery] = await Promise.all([currentPosition(), batteryLevel()])
  return {
    ...(position ? { lat: position.lat, lon: position.lon } : {}),
    ...(battery === null ? {} : { battery }),
  }
}

/** A name for the device record the dispatcher sees ("Android phone", "iPhone"). */
export function deviceName(): string {
  const agent = navigator.userAgent
  if (/iPhone/.test(agent)) return 'iPhone'
  if (/iPad/.test(agent)) return 'iPad'
  if (/Android/.test(agent)) return 'Android phone'
  return 'Browser'
}

/** `geo:` opens the phone's own maps app; the https link works everywhere else. */
export function mapLinks(lat: number, lon: number, label: string) {
  const at = `${lat.toFixed(6)},${lon.toFixed(6)}`
  return {
    geo: `geo:${at}?q=${at}(${encodeURIComponent(label)})`,
    web: `https://www.google.com/maps/dir/?api=1&destination=${at}&travelmode=driving`,
  }
}
