import L from 'leaflet'
import { useEffect, useRef, type RefObject } from 'react'
import type { Task } from '../../../shared/dispatch'
import type { StationLive } from '../../../shared/feeds'
import { formatAgo, plural, secondsSince } from '../common/format'
import { CONTACT_BAD_S } from '../crews/CrewsTable'
import type { CrewWithWork } from '../crews/crew-types'
import { escape } from './station-layer'

/** A crew on the map: where its van last said it was, what it is doing, how long ago. */
export interface CrewMarker {
  crewId: string
  name: string
  lat: number
  lon: number
  /** "Task #42: 5 bikes, Townsend St → Market St", or "No task". */
  task: string
  /** "Last contact 2 min ago". */
  contact: string
  /** Not heard from for 15 minutes or more: the position may be far from where the van is. */
  stale: boolean
  /** Its task's way: the van, the station it takes bikes from, the one it brings them to. */
  route: [number, number][] | null
}

/** The crew's task: undefined when it holds none, null when it holds one not in the list. */
function heldTask(crew: CrewWithWork, tasks: readonly Task[]): Task | null | undefined {
  return crew.task_id === undefined
    ? tasks.find((task) => task.status === 'assigned' && task.worker_id === crew.crew_id)
    : crew.task_id === null
      ? undefined
      : (tasks.find((task) => task.id === crew.task_id) ?? null)
}

function taskLine(crew: CrewWithWork, held: Task | null | undefined, names: Places): string {
  if (held === undefined) return 'No task'
  if (held === null) return `Task #${crew.task_id ?? ''}`
  const name = (id: string) => names.get(`${held.system_id}\u0000${id}`)?.name ?? `station ${id}`
  return `Task #${held.id}: ${plural(held.qty, 'bike')}, ${name(held.from_station_id)} → ${name(held.to_station_id)}`
}

type Places = Map<string, { name: string; at: [number, number] }>

function routeOf(from: [number, number], held: Task | null | undefined, places: Places) {
  if (!held) return null
  const stop = (id: string) => places.get(`${held.system_id}\u0000${id}`)?.at
  const source = stop(held.from_station_id)
  const sink = stop(held.to_station_id)
  return source && sink ? [from, source, sink] : null
}

/** The crews with a known position, as the map draws them. */
export function crewMarkers(
  crews: readonly CrewWithWork[],
  tasks: readonly Task[],
  stations: readonly StationLive[],
  now: number,
): CrewMarker[] {
  const places: Places = new Map(
    stations.map((s) => [
      `${s.systemId}\u0000${s.stationId}`,
      { name: s.name, at: [s.lat, s.lon] },
    ]),
  )
  return crews.flatMap((crew) => {
    if (!crew.last_position) return []
    const silent = secondsSince(crew.last_seen_at, now)
    const held = heldTask(crew, tasks)
    const at: [number, number] = [crew.last_position.lat, crew.last_position.lon]
    return [
      {
        crewId: crew.crew_id,
        name: crew.name,
        lat: crew.last_position.lat,
        lon: crew.last_position.lon,
        task: taskLine(crew, held, places),
        contact: `Last contact ${formatAgo(crew.last_seen_at, now)}`,
        stale: silent === null || silent >= CONTACT_BAD_S,
        route: routeOf(at, held, places),
      },
    ]
  })
}

/** A van seen from the side: body, cab, two wheels (drawn here: nothing comes from the network). */
const VAN_SVG =
  '<svg class="crew-van" viewBox="0 0 24 16" aria-hidden="true"><path d="M1 3h13v9H1zM14 6h5l4 3v3h-9z"/><circle cx="6" cy="13" r="2.2"/><circle cx="18" cy="13" r="2.2"/></svg>'

function iconOf(marker: CrewMarker): L.DivIcon {
  return L.divIcon({
    className: `crew-marker${marker.stale ? ' crew-marker-stale' : ''}`,
    html: `${VAN_SVG}<span class="crew-label">${escape(marker.name)}</span>`,
    iconSize: undefined,
    iconAnchor: [15, 10],
  })
}

function tooltipOf(marker: CrewMarker): string {
  return `<strong>${escape(marker.name)}</strong><br>${escape(marker.task)}<br>${escape(marker.contact)}${
    marker.stale ? ' · position may be old' : ''
  }`
}

/** The van's way to its task: dashed to the source, on to the sink, the sink ringed. */
function drawRoute(group: L.LayerGroup, crew: CrewMarker): void {
  group.clearLayers()
  const sink = crew.route?.[2]
  if (!crew.route || !sink) return
  const style = { color: '#1971c2', weight: 2.5, opacity: crew.stale ? 0.4 : 0.85 }
  L.polyline(crew.route, { ...style, dashArray: '6 5', interactive: false }).addTo(group)
  L.circleMarker(sink, { ...style, radius: 9, fill: false, interactive: false }).addTo(group)
}

/**
 * The crews' vans on the map, above the station dots, updated in place as the list changes.
 * `ready`: the map exists (made by an effect declared before this hook's, so it runs first).
 */
export function useCrewLayer(
  mapRef: RefObject<L.Map | null>,
  ready: boolean,
  markers: readonly CrewMarker[] | null,
): void {
  const vans = useRef(new Map<string, { marker: L.Marker; key: string; route: L.LayerGroup }>())
  useEffect(() => {
    const drawn = vans.current
    const map = mapRef.current
    if (!ready || !map || !markers) return
    const seen = new Set<string>()
    for (const crew of markers) {
      seen.add(crew.crewId)
      const key = `${crew.name}\u0000${String(crew.stale)}`
      const label = `${crew.name}: ${crew.task}. ${crew.contact}${crew.stale ? ' (position may be old)' : ''}`
      const existing = drawn.get(crew.crewId)
      if (existing) {
        drawRoute(existing.route, crew)
        existing.marker.setLatLng([crew.lat, crew.lon])
        if (existing.key !== key) existing.marker.setIcon(iconOf(crew))
        existing.marker.setTooltipContent(tooltipOf(crew))
        existing.marker.getElement()?.setAttribute('aria-label', label)
        existing.key = key
        continue
      }
      const marker = L.marker([crew.lat, crew.lon], {
        icon: iconOf(crew),
        zIndexOffset: 1000,
        keyboard: true,
      })
        .bindTooltip(tooltipOf(crew), { direction: 'top', offset: [0, -10] })
        .addTo(map)
      marker.getElement()?.setAttribute('aria-label', label)
      const route = L.layerGroup().addTo(map)
      drawRoute(route, crew)
      drawn.set(crew.crewId, { marker, key, route })
    }
    for (const [id, van] of drawn) {
      if (seen.has(id)) continue
      van.marker.remove()
      van.route.remove()
      drawn.delete(id)
    }
    const element = mapRef.current?.getContainer()
    element?.setAttribute('data-vans', String(drawn.size))
    element?.setAttribute('data-routes', String(markers.filter((m) => m.route).length))
  }, [mapRef, ready, markers])
  // The map goes away with the view (or is made again): so do the vans.
  useEffect(() => {
    const drawn = vans.current
    return () => {
      for (const van of drawn.values()) {
        van.marker.remove()
        van.route.remove()
      }
      drawn.clear()
    }
  }, [ready])
}
