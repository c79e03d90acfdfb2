import type { TripImportProgress } from '../../../shared/trips'
import { formatDuration } from '../common/format'
import { count } from './trip-format'

const PHASES: Record<TripImportProgress['phase'], string> = {
  reading: 'Reading',
  inserting: 'Saving trips',
  flows: 'Counting station flows',
  done: 'Done',
}

export function ProgressPanel({ progress }: { progress: TripImportProgress }) {
  const value = progress.phase === 'done' ? 100 : progress.percent
  return (
    <section className="panel" aria-labelledby="import-progress-title">
      <header className="panel-header">
        <h2 id="import-progress-title">Importing {progress.file}</h2>
        <span className="panel-meta">{PHASES[progress.phase]}</span>
      </header>
      <div className="panel-body progress-body">
        <div
          className={value === null ? 'progress progress-unknown' : 'progress'}
          role="progressbar"
          aria-label={`Importing ${progress.file}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={value === null ? undefined : Math.round(value)}
        >
          <div className="progress-value" style={{ width: `${value ?? 100}%` }} />
        </div>
        <dl className="progress-figures">
          <div>
            <dt>Done</dt>
            <dd className="num">{value === null ? '—' : `${Math.floor(value)} %`}</dd>
          </div>
          <div>
            <dt>Rows</dt>
            <dd className="num">{count(progress.rowsDone)}</dd>
          </div>
          <div>
            <dt>Rows/s</dt>
            <dd className="num">{count(progress.rowsPerSecond)}</dd>
          </div>
          <div>
            <dt>Time</dt>
            <dd className="num">{formatDuration(progress.elapsedSeconds)}</dd>
          </div>
        </dl>
      </div>
    </section>
  )
}
