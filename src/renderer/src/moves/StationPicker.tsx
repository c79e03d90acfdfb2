import { useId, useMemo, useState } from 'react'
import type { StationLive } from '../../../shared/feeds'

/** How many matches the list shows: a search narrows the rest. */
const SHOWN = 60

function numbers(station: StationLive): string {
  const bikes = station.bikes === null ? '?' : String(station.bikes)
  const docks = station.docks === null ? '?' : String(station.docks)
  return `${bikes} bikes · ${docks} docks`
}

/** One end of a move: a search box over the system's stations and the list of matches. */
export function StationPicker({
  label,
  stations,
  value,
  onChange,
}: {
  label: string
  stations: readonly StationLive[]
  value: string
  onChange: (stationId: string) => void
}) {
  const id = useId()
  const [search, setSearch] = useState('')
  const matches = useMemo(() => {
    const needle = search.trim().toLowerCase()
    const found = needle
      ? stations.filter(
          (station) =>
            station.name.toLowerCase().includes(needle) ||
            station.stationId.toLowerCase() === needle ||
            (station.shortName ?? '').toLowerCase() === needle,
        )
      : stations
    const shown = found.slice(0, SHOWN)
    // The chosen one stays in the list whatever the search.
    const chosen = stations.find((station) => station.stationId === value)
    return chosen && !shown.includes(chosen) ? [chosen, ...shown] : shown
  }, [stations, search, value])
  return (
    <fieldset className="move-end">
      <legend>{label}</legend>
      <input
        type="search"
        className="move-search"
        aria-label={`Search ${label.toLowerCase()} stations`}
        placeholder="Search by name"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      <select
        id={id}
        aria-label={`${label} station`}
        size={5}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      >
        {matches.map((station) => (
          <option key={station.stationId} value={station.stationId}>
            {station.name} — {numbers(station)}
          </option>
        ))}
      </select>
    </fieldset>
  )
}
