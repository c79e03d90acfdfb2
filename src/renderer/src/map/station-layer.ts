import L from 'leaflet'
import Supercluster from 'supercluster'
import { useEffect, useMemo, useRef, type RefObject } from 'react'
import type { StationLive } from '../../../shared/feeds'
import { FILL_COLOR, fillLevel, type FillLevel } from '../common/fill'
import { openStation } from '../shell/routes'

/**
 * Stations closer than this many pixels are grouped up to CLUSTER_MAX_ZOOM, so groups never
 * overlap (their circles are at most 34 px): Bay Wheels' 517 stations fitted to the window
 * become a few dozen groups and lone dots instead of one blob; from zoom 15 every station is its
 * own dot.
 */
export const CLUSTER_RADIUS_PX = 56
export const CLUSTER_MAX_ZOOM = 14

interface StationPoint {
  key: string
  level: FillLevel
}

/** What a group carries: how many of its stations have no bike or no dock. */
interface GroupCounts {
  empty: number
  full: number
}

export function stationKey(station: { systemId: string; stationId: string }): string {
  return `${station.systemId}\u0000${station.stationId}`
}

/** Text for a tooltip's or an icon's HTML. */
export const escape = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  )

export function tooltipOf(station: StationLive): string {
  const numbers =
    station.bikes === null
      ? 'no numbers'
      : `${station.bikes} bikes · ${station.docks ?? '?'} docks${station.stale ? ' · not live' : ''}`
  return `<strong>${escape(station.name)}</strong><br>${numbers}`
}

/** A dot: the fill level's colour, a thin ring so dots read on any tile; smaller when zoomed out. */
export function dotStyle(level: FillLevel, zoom: number): L.CircleMarkerOptions {
  const size = zoom <= 11 ? 3.5 : zoom <= 13 ? 4.5 : 5.5
  return {
    radius: level === 'stale' ? size - 1 : size,
    color: level === 'stale' ? '#6e7781' : '#1b1f24',
    weight: 0.75,
    fillColor: FILL_COLOR[level],
    fillOpacity: level === 'stale' ? 0.55 : 0.92,
  }
}

/** A group of stations: its size, and a red corner counting the empty and full among them. */
function groupIcon(count: number, counts: GroupCounts): L.DivIcon {
  const critical = counts.empty + counts.full
  const size = count < 10 ? 24 : count < 50 ? 28 : 34
  const badge =
    critical > 0
      ? `<span class="station-group-critical" title="${critical} empty or full">${critical}</span>`
      : ''
  return L.divIcon({
    className: 'station-group',
    html: `<span class="station-group-count">${count}</span>${badge}`,
    iconSize: [size, size],
  })
}

/** The clustering index over `stations`, made again only when the stations change. */
export function stationIndex(
  stations: readonly StationLive[],
): Supercluster<StationPoint, GroupCounts> {
  const index = new Supercluster<StationPoint, GroupCounts>({
    radius: CLUSTER_RADIUS_PX,
    maxZoom: CLUSTER_MAX_ZOOM,
    map: (point) => ({
      empty: point.level === 'empty' ? 1 : 0,
      full: point.level === 'full' ? 1 : 0,
    }),
    reduce: (into, point) => {
      into.empty += point.empty
      into.full += point.full
    },
  })
  return index.load(
    stations.map((station) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [station.lon, station.lat] },
      properties: { key: stationKey(station), level: fillLevel(station) },
    })),
  )
}

interface Dot {
  marker: L.CircleMarker
  level: FillLevel
  zoom: number
}

/**
 * The stations on `map`: groups of nearby stations while zoomed out, each station's dot (one
 * canvas for them all) where there is room; drawn again after every move and every poll, a dot
 * kept and restyled in place when it stays.
 */
export function useStationLayer(
  mapRef: RefObject<L.Map | null>,
  ready: boolean,
  stations: readonly StationLive[] | null,
): void {
  const index = useMemo(() => (stations ? stationIndex(stations) : null), [stations])
  const byKey = useMemo(
    () => new Map((stations ?? []).map((station) => [stationKey(station), station])),
    [stations],
  )
  const dots = useRef(new Map<string, Dot>())
  const groups = useRef<L.LayerGroup | null>(null)

  useEffect(() => {
    const map = mapRef.current
    if (!ready || !map || !index) return
    const drawn = dots.current
    const groupLayer = (groups.current ??= L.layerGroup().addTo(map))
    const draw = () => {
      const zoom = Math.round(map.getZoom())
      const bounds = map.getBounds().pad(0.25)
      const features = index.getClusters(
        [
          Math.max(-180, bounds.getWest()),
          Math.max(-85, bounds.getSouth()),
          Math.min(180, bounds.getEast()),
          Math.min(85, bounds.getNorth()),
        ],
        zoom,
      )
      const seen = new Set<string>()
      let placed = 0
      groupLayer.clearLayers()
      for (const feature of features) {
        const [lon = 0, lat = 0] = feature.geometry.coordinates
        const props = feature.properties
        if ('cluster' in props) {
          placed += props.point_count
          const id = props.cluster_id
          L.marker([lat, lon], { icon: groupIcon(props.point_count, props), keyboard: false })
            .bindTooltip(`${props.point_count} stations: zoom in to see each`, {
              direction: 'top',
            })
            .on('click', () =>
              map.setView([lat, lon], Math.min(index.getClusterExpansionZoom(id), 18), {
                animate: false,
              }),
            )
            .addTo(groupLayer)
          continue
        }
        const station = 'key' in props ? byKey.get(props.key) : undefined
        if (!station) continue
        placed += 1
        const key = stationKey(station)
        seen.add(key)
        const level = fillLevel(station)
        const existing = drawn.get(key)
        if (existing) {
          if (existing.level !== level || existing.zoom !== zoom) {
            existing.marker.setStyle(dotStyle(level, zoom))
          }
          const at = existing.marker.getLatLng()
          if (at.lat !== station.lat || at.lng !== station.lon) {
            existing.marker.setLatLng([station.lat, station.lon])
          }
          existing.marker.setTooltipContent(tooltipOf(station))
          existing.level = level
          existing.zoom = zoom
          continue
        }
        const marker = L.circleMarker([station.lat, station.lon], dotStyle(level, zoom))
          .bindTooltip(tooltipOf(station), { direction: 'top', offset: [0, -4] })
          .on('click', () => openStation(station))
          .addTo(map)
        drawn.set(key, { marker, level, zoom })
      }
      for (const [key, dot] of drawn) {
        if (seen.has(key)) continue
        dot.marker.remove()
        drawn.delete(key)
      }
      const element = map.getContainer()
      // Where the map is, for whoever drives it from outside (the end-to-end tests).
      const center = map.getCenter()
      element.setAttribute('data-zoom', String(map.getZoom()))
      element.setAttribute('data-center', `${center.lat.toFixed(6)},${center.lng.toFixed(6)}`)
      element.setAttribute('data-dots', String(drawn.size))
      element.setAttribute('data-groups', String(groupLayer.getLayers().length))
      element.setAttribute('data-placed', String(placed))
    }
    draw()
    map.on('moveend', draw)
    return () => {
      map.off('moveend', draw)
    }
  }, [mapRef, ready, index, byKey])

  // The map goes away with the view (or is made again): so do the dots and groups, first, while
  // their canvas is still there to take the redraw they ask for.
  useEffect(() => {
    const drawn = dots.current
    return () => {
      for (const dot of drawn.values()) dot.marker.remove()
      drawn.clear()
      groups.current?.remove()
      groups.current = null
    }
  }, [ready])
}
