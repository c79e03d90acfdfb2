import L from 'leaflet'
import type { ConsoleClient } from '../api/client'

export const TILE_ATTRIBUTION =
  '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

/**
 * Street tiles through the console's own server (`map:tileData`, on the desktop's IPC and over
 * HTTP alike): it fetches each from the configured tile server once and keeps it on disk, so a
 * depot without internet still shows the streets it has seen. The page itself never reaches the
 * internet (its CSP allows images from itself and data: URLs only).
 */
class ServerTileLayer extends L.GridLayer {
  constructor(private readonly client: ConsoleClient) {
    super({ maxZoom: 19, attribution: TILE_ATTRIBUTION })
  }

  protected override createTile(coords: L.Coords, done: L.DoneCallback): HTMLElement {
    const img = document.createElement('img')
    img.alt = ''
    img.setAttribute('role', 'presentation')
    this.client.invoke('map:tileData', { z: coords.z, x: coords.x, y: coords.y }).then(
      (tile) => {
        img.onload = () => done(undefined, img)
        img.onerror = () => done(new Error('tile image unreadable'), img)
        img.dataset.source = tile.source
        img.src = tile.data_url
      },
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error)), img),
    )
    return img
  }
}

export function serverTileLayer(client: ConsoleClient): L.GridLayer {
  return new ServerTileLayer(client)
}
