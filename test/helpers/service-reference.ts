import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

/**
 * An independent computation of service levels straight from a recorded history file (the
 * format of ../shared/data/status-history): what an analyst checking the app by hand would do.
 * It shares no code with src/server/service-levels: it walks every pair of consecutive
 * snapshots of the file, where the app builds timelines from changes only and reads them back
 * from the database. Where both agree, the arithmetic, the storage and the reading are right.
 */

interface Row {
  bikes: number
  docks: number
  installed: boolean
  renting: boolean
  returning: boolean
}

export interface ReferenceHistory {
  /** Snapshot times (ms), ascending. */
  times: number[]
  /** Per snapshot: station id -> its row. */
  snapshots: Map<string, Row>[]
  stationIds: string[]
  /** Twice the median spacing of consecutive snapshots, in ms. */
  bridgeMs: number
  positions: Map<string, { lat: number; lon: number }>
}

export function readReferenceHistory(csvGz: string, stationInformation: string): ReferenceHistory {
  const text = gunzipSync(readFileSync(csvGz)).toString('utf8')
  const lines = text.split('\n')
  const header = (lines[0] ?? '').trim().split(',')
  const col = (name: string) => header.indexOf(name)
  const [iPoll, iId, iBikes, iDocks, iInst, iRent, iRet] = [
    'poll_time',
    'station_id',
    'num_bikes_available',
    'num_docks_available',
    'is_installed',
    'is_renting',
    'is_returning',
  ].map(col)
  const byTime = new Map<number, Map<string, Row>>()
  const ids = new Set<string>()
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]?.trim()
    if (!line) continue
    const f = line.split(',')
    const t = Date.parse(f[iPoll ?? 0] ?? '')
    const id = f[iId ?? 1] ?? ''
    ids.add(id)
    let snapshot = byTime.get(t)
    if (!snapshot) byTime.set(t, (snapshot = new Map<string, Row>()))
    snapshot.set(id, {
      bikes: Number(f[iBikes ?? 0]),
      docks: Number(f[iDocks ?? 0]),
      installed: f[iInst ?? 0] === '1' || f[iInst ?? 0] === 'true',
      renting: f[iRent ?? 0] === '1' || f[iRent ?? 0] === 'true',
      returning: f[iRet ?? 0] === '1' || f[iRet ?? 0] === 'true',
    })
  }
  const times = [...byTime.keys()].sort((a, b) => a - b)
  const gaps = times
    .slice(1)
    .map((t, i) => t - (times[i] ?? t))
    .sort((a, b) => a - b)
  const middle = gaps.length / 2
  const median =
    gaps.length % 2 === 1
      ? (gaps[Math.floor(middle)] ?? 0)
      : ((gaps[middle - 1] ?? 0) + (gaps[middle] ?? 0)) / 2
  const info = JSON.parse(readFileSync(stationInformation, 'utf8')) as {
    data: { stations: { station_id: string; lat: number; lon: number }[] }
  }
  return {
    times,
    snapshots: times.map((t) => byTime.get(t) ?? new Map<string, Row>()),
    stationIds: [...ids].sort(),
    bridgeMs: 2 * median,
    positions: new Map(info.data.stations.map((s) => [s.station_id, { lat: s.lat, lon: s.lon }])),
  }
}

/** Haversine on the mean Earth radius. */
function meters(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const h =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)))
}

export interface ReferenceDay {
  stations: Map<string, { empty: number; full: number; unknown: number }>
  clusterOutageMinutes: number
}

/**
 * One local day's 06:00-22:00 (`windowStart`/`windowEnd` as instants): minutes empty, full and
 * unknown per station, and the cluster outage minutes summed over every station's cluster.
 */
export function referenceDay(
  history: ReferenceHistory,
  windowStart: number,
  windowEnd: number,
): ReferenceDay {
  const pieces: { start: number; end: number; snapshot: Map<string, Row> | null }[] = []
  history.times.forEach((t, i) => {
    const next = history.times[i + 1]
    const start = Math.max(t, windowStart)
    const end = Math.min(next ?? windowEnd, windowEnd)
    if (end <= start) return
    const bridged = next !== undefined && next - t <= history.bridgeMs
    pieces.push({ start, end, snapshot: bridged ? (history.snapshots[i] ?? null) : null })
  })
  const covered = pieces.reduce((sum, p) => sum + (p.end - p.start), 0)

  const stations = new Map<string, { empty: number; full: number; unknown: number }>()
  for (const id of history.stationIds) {
    const figures = { empty: 0, full: 0, unknown: (windowEnd - windowStart - covered) / 60_000 }
    for (const piece of pieces) {
      const minutes = (piece.end - piece.start) / 60_000
      const row = piece.snapshot?.get(id)
      if (!row) {
        figures.unknown += minutes
        continue
      }
      if (row.installed && row.renting && row.bikes === 0) figures.empty += minutes
      if (row.installed && row.returning && row.docks === 0) figures.full += minutes
    }
    stations.set(id, figures)
  }

  const radius = 1609.344 / 3
  let outage = 0
  for (const id of history.stationIds) {
    const here = history.positions.get(id)
    if (!here) continue
    const others = history.stationIds
      .filter((other) => other !== id && history.positions.has(other))
      .map((other) => ({ other, d: meters(here, history.positions.get(other) ?? here) }))
      .sort((a, b) => a.d - b.d || (a.other < b.other ? -1 : 1))
    const within = others.filter((o) => o.d <= radius)
    const members = [id, ...(within.length >= 3 ? within : others.slice(0, 3)).map((o) => o.other)]
    let run = 0
    const close = () => {
      outage += Math.max(0, run - 10 * 60_000)
      run = 0
    }
    for (const piece of pieces) {
      const rows = members.map((m) => piece.snapshot?.get(m))
      const known = rows.every((row) => row !== undefined)
      const noBike = rows.every((row) => !row || !(row.installed && row.renting && row.bikes > 0))
      const noDock = rows.every((row) => !row || !(row.installed && row.returning && row.docks > 0))
      if (known && (noBike || noDock)) run += piece.end - piece.start
      else close()
    }
    close()
  }
  return { stations, clusterOutageMinutes: outage / 60_000 }
}
