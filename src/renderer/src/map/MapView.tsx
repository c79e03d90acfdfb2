import L from 'leaflet'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { StationLive } from '../../../shared/feeds'
import { FILL_LEGEND, fillLevel, type FillLevel } from '../common/fill'
import { Refreshing, StationsOr } from '../common/states'
import { plural } from '../common/format'
import { useNow } from '../common/useNow'
import type { CrewWithWork } from '../crews/crew-types'
import { crewMarkers, useCrewLayer } from './crew-markers'
import { useStationLayer } from './station-layer'
import { serverTileLayer } from './tile-layer'
import { SystemSelect, systemsByName } from '../common/SystemSelect'
import { useResource } from '../common/useResource'
import { endsIn, NewMoveButton } from '../moves/NewMoveDialog'
import type { ViewProps } from '../shell/view-props'
import type { ConsoleClient } from '../api/client'
import type { Task } from '../../../shared/dispatch'

const TILES_KEY = 'balancer.mapTiles'
/** Tiles that failed before any loaded: neither the tile server nor the cache has them. */
const FAILURES_BEFORE_GIVING_UP = 4

function tilesWanted(): boolean {
  try {
    return window.localStorage.getItem(TILES_KEY) !== 'off'
  } catch {
    return true
  }
}

export function countLevels(stations: Iterable<StationLive>): Record<FillLevel, number> {
  const counts: Record<FillLevel, number> = { empty: 0, low: 0, ok: 0, high: 0, full: 0, stale: 0 }
  for (const station of stations) counts[fillLevel(station)] += 1
  return counts
}

type Tiles = 'on' | 'off' | 'failed'

/** The crews and the tasks they hold; a failed task list leaves the vans without routes. */
async function loadCrews(client: ConsoleClient): Promise<{ crews: CrewWithWork[]; tasks: Task[] }> {
  const [crews, tasks] = await Promise.all([
    client.invoke('crews:list'),
    client.invoke('tasks:list', { status: 'assigned', limit: 200 }).then(
      (page) => page.tasks,
      () => [],
    ),
  ])
  return { crews, tasks }
}

/**
 * Every station as a dot coloured by how full it is, drawn on one canvas (2,000+ dots stay fast),
 * over OpenStreetMap tiles when the network allows, else on a plain background.
 */
export function MapView({ client, session }: ViewProps) {
  const load = useCallback(() => client.invoke('feeds:stations', {}), [client])
  const stations = useResource(client, load, { events: ['stations:changed', 'app:resync'] })
  const container = useRef<HTMLDivElement>(null)
  const map = useRef<L.Map | null>(null)
  const tileLayer = useRef<L.GridLayer | null>(null)
  const [tiles, setTiles] = useState<Tiles>(() => (tilesWanted() ? 'on' : 'off'))
  const [systemId, setSystemId] = useState<string>('')
  const fitted = useRef<string | null>(null)
  const now = useNow(30_000)
  const loadVans = useCallback(() => loadCrews(client), [client])
  const crews = useResource(client, loadVans, {
    events: ['tasks:changed', 'app:resync'],
    intervalMs: 30_000,
  })

  const all = stations.data
  const systems = useMemo(
    () => systemsByName((all ?? []).map((station) => [station.systemId, station.systemName])),
    [all],
  )
  const chosen = systemId || systems[0]?.[0] || ''
  const counts = useMemo(
    () => countLevels((all ?? []).filter((s) => !chosen || s.systemId === chosen)),
    [all, chosen],
  )

  const ready = all !== null && all.length > 0
  const vans = useMemo(
    () => (crews.data ? crewMarkers(crews.data.crews, crews.data.tasks, all ?? [], now) : null),
    [crews.data, all, now],
  )
  // The map itself: made once the container is on screen, removed with the view.
  useEffect(() => {
    const element = container.current
    if (!ready || !element) return
    // No zoom animation: a tile layer removed mid-animation (tiles failing offline) would be
    // called back after it is gone, and a dispatcher gains nothing from the glide.
    const created = L.map(element, {
      preferCanvas: true,
      zoomControl: true,
      minZoom: 2,
      // Without tiles no layer says how far in the map may go.
      maxZoom: 19,
      zoomAnimation: false,
    })
    created.setView([37.77, -122.42], 12)
    map.current = created
    // The window or the sidebar changes size: Leaflet must be told.
    const resize =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => created.invalidateSize())
    resize?.observe(element)
    return () => {
      resize?.disconnect()
      created.remove()
      map.current = null
      tileLayer.current = null
      fitted.current = null
    }
  }, [ready])

  useCrewLayer(map, ready, vans)

  // Tiles, when wanted; failing ones (no network) leave the dots on a plain background.
  useEffect(() => {
    const current = map.current
    if (!ready || !current || tiles !== 'on') return
    let loaded = 0
    let failed = 0
    const layer = serverTileLayer(client)
    const onLoad = () => {
      loaded += 1
    }
    const onError = () => {
      failed += 1
      if (loaded === 0 && failed >= FAILURES_BEFORE_GIVING_UP) setTiles('failed')
    }
    layer.on('tileload', onLoad)
    layer.on('tileerror', onError)
    layer.addTo(current)
    tileLayer.current = layer
    return () => {
      // Only our own listeners: a bare `off()` also drops the one-time 'remove' listener through
      // which Leaflet takes the layer's map handlers (zoom, viewreset, move) back off the map.
      // Left on, they run on the removed layer, whose map is gone: "reading 'getCenter'" on
      // every zoom, and the throw stops the map's other handlers (the dots' canvas) mid-event.
      layer.off('tileload', onLoad)
      layer.off('tileerror', onError)
      layer.remove()
      tileLayer.current = null
    }
  }, [client, ready, tiles])

  useStationLayer(map, ready, all)

  // Fit to the chosen system once per choice (a poll must not move the map under the mouse).
  useEffect(() => {
    const current = map.current
    if (!current || !all || fitted.current === chosen) return
    const points = all
      .filter((s) => !chosen || s.systemId === chosen)
      .map((s) => L.latLng(s.lat, s.lon))
    if (points.length === 0) return
    current.invalidateSize()
    current.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 15, animate: false })
    fitted.current = chosen
  }, [all, chosen])

  const setTilesWanted = (on: boolean) => {
    try {
      window.localStorage.setItem(TILES_KEY, on ? 'on' : 'off')
    } catch {
      // A browser that keeps nothing: the choice lasts this visit.
    }
    setTiles(on ? 'on' : 'off')
  }

  return (
    <section className="view view-fill">
      <header className="view-header">
        <h1>Map</h1>
        {all && (
          <span className="view-meta">
            {all.length.toLocaleString()} stations
            {vans && vans.length > 0 ? ` · ${plural(vans.length, 'crew')} placed` : ''}
          </span>
        )}
        <div className="view-actions">
          <SystemSelect
            systems={systems}
            value={chosen}
            onChange={(system) => {
              setSystemId(system)
              fitted.current = null
            }}
          />
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => {
              fitted.current = null
              setSystemId(chosen)
              const current = map.current
              const points = (all ?? []).filter((s) => s.systemId === chosen)
              if (current && points.length > 0) {
                current.fitBounds(L.latLngBounds(points.map((s) => L.latLng(s.lat, s.lon))), {
                  padding: [24, 24],
                  maxZoom: 15,
                  animate: false,
                })
                fitted.current = chosen
              }
            }}
          >
            Fit to system
          </button>
          <label className="field field-check">
            <input
              type="checkbox"
              checked={tiles === 'on'}
              onChange={(event) => setTilesWanted(event.target.checked)}
            />
            Map tiles
          </label>
          <NewMoveButton client={client} session={session} ends={endsIn(chosen)} />
        </div>
        <Refreshing active={stations.loading && all !== null} />
      </header>
      {tiles === 'failed' && (
        <p className="notice notice-quiet" role="status">
          <span>
            Map tiles could not be loaded: the tile server is out of reach (no internet here?) and
            this area is not in the server’s tile cache, so the stations are drawn on a plain
            background. <code>balancer tiles prefetch</code> keeps an area for offline use.
          </span>
          <button type="button" className="link-button" onClick={() => setTiles('on')}>
            Try again
          </button>
        </p>
      )}
      <StationsOr stations={stations}>
        {() => (
          <div className="panel panel-fill map-panel">
            <div
              ref={container}
              className={`map${tiles === 'on' ? '' : ' map-plain'}`}
              role="application"
              aria-label="Stations map: click a dot to open its station"
            />
            <div className="map-legend" aria-label="Legend">
              {FILL_LEGEND.map((item) => (
                <div key={item.level} className="legend-row" title={item.hint}>
                  <span
                    className="legend-dot"
                    aria-hidden="true"
                    style={{ background: item.color }}
                  />
                  <span className="legend-label">{item.label}</span>
                  <span className="legend-count num">{counts[item.level].toLocaleString()}</span>
                </div>
              ))}
              {vans && vans.length > 0 && (
                <>
                  <div className="legend-row" title="A crew's last known position">
                    <span className="legend-van" aria-hidden="true" />
                    <span className="legend-label">Crew van</span>
                    <span className="legend-count num">{vans.filter((v) => !v.stale).length}</span>
                  </div>
                  <div className="legend-row" title="No contact for 15 minutes or more">
                    <span className="legend-van legend-van-stale" aria-hidden="true" />
                    <span className="legend-label">Van, silent 15+ min</span>
                    <span className="legend-count num">{vans.filter((v) => v.stale).length}</span>
                  </div>
                </>
              )}
            </div>
          </div>
        )}
      </StationsOr>
    </section>
  )
}
