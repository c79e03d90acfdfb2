import type { StationCountKey } from '../overview/station-counts'

export const LEVEL_WORDS: Record<StationCountKey, string> = {
  empty: 'Empty',
  nearlyEmpty: 'Nearly empty',
  full: 'Full',
  nearlyFull: 'Nearly full',
  notLive: 'Not live',
}

/** Which Overview count the table is showing, and the way back to every station. */
export function LevelChip({ level, onClear }: { level: StationCountKey; onClear: () => void }) {
  return (
    <span className="level-chip" role="status">
      Only {LEVEL_WORDS[level].toLowerCase()}
      <button
        type="button"
        className="link-button"
        onClick={onClear}
        aria-label="Show every station"
      >
        ×
      </button>
    </span>
  )
}
