import type { TripImportProgress } from '../../shared/trips.js'
import type { TripSource } from '../trips/source.js'

/** Any import's progress (a trip file's, a status history's): its phases are its own. */
export type ImportProgress<Phase extends string = string> = Omit<TripImportProgress, 'phase'> & {
  phase: Phase
}

export interface ImportProgressReporter<Phase extends string> {
  /** Seconds since the import started. */
  elapsed(): number
  /** Runs `read`, reporting 'reading' at once and every `everyMs` until it ends. */
  whileReading<T>(everyMs: number, read: () => Promise<T>): Promise<T>
  /** A phase after the reading, with the rows it has: of the file, all is read by then. */
  report(phase: Phase, rowsDone: number): void
}

/**
 * One file's progress, from its source's counters: rows are the line feeds seen less the
 * header's, and while reading, the share of the file's bytes read (none for a pipe).
 */
export function createImportProgress<Phase extends string>(
  source: Pick<TripSource, 'name' | 'bytesTotal' | 'counters'>,
  started: number,
  onProgress: ((progress: ImportProgress<Phase | 'reading'>) => void) | undefined,
): ImportProgressReporter<Phase> {
  const elapsed = () => (performance.now() - started) / 1000
  const send = (phase: Phase | 'reading', rowsDone: number, percent: number | null) => {
    const seconds = elapsed()
    onProgress?.({
      file: source.name,
      phase,
      rowsDone,
      rowsPerSecond: seconds > 0 ? Math.round(rowsDone / seconds) : 0,
      percent,
      elapsedSeconds: seconds,
    })
  }
  const reading = () => {
    const counters = source.counters()
    const percent =
      source.bytesTotal && source.bytesTotal > 0
        ? Math.min(100, (100 * counters.bytesDone) / source.bytesTotal)
        : null
    send('reading', Math.max(0, counters.lines - 1), percent)
  }
  return {
    elapsed,
    async whileReading(everyMs, read) {
      reading()
      const timer = setInterval(reading, everyMs)
      try {
        return await read()
      } finally {
        clearInterval(timer)
      }
    },
    report(phase, rowsDone) {
      send(phase, rowsDone, source.bytesTotal ? 100 : null)
    },
  }
}
