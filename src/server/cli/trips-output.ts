import type { FlowsRefreshReport } from '../../shared/flows.js'
import type {
  QuarantinedImport,
  QuarantineDecision,
  TripImportOutcome,
  TripImportProgress,
  TripImportQuarantined,
  TripImportReport,
} from '../../shared/trips.js'
import type { ImportProgress } from '../imports/import-progress.js'
import { CLOCK_FORMAT } from '../systems/time-zone.js'

const count = new Intl.NumberFormat('en-US')

export function seconds(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`
}

const PHASES: Record<TripImportProgress['phase'], string> = {
  reading: 'reading',
  inserting: 'casting, mapping, inserting',
  flows: 'updating station_flows',
  done: 'done',
}

/** What each phase is called on the line; a phase it does not name is shown as it is. */
export type PhaseLabels = Readonly<Record<string, string>>

/** One progress line: "201802.csv.gz  reading  53 %  56,320 rows  112,640 rows/s". */
export function formatProgress(progress: ImportProgress, phases: PhaseLabels = PHASES): string {
  const parts = [progress.file, phases[progress.phase] ?? progress.phase]
  if (progress.phase === 'reading' && progress.percent !== null) {
    parts.push(`${Math.floor(progress.percent)} %`)
  }
  parts.push(`${count.format(progress.rowsDone)} rows`)
  if (progress.phase === 'reading') parts.push(`${count.format(progress.rowsPerSecond)} rows/s`)
  parts.push(seconds(progress.elapsedSeconds))
  return parts.join('  ')
}

export interface ProgressLine {
  update(progress: ImportProgress): void
  /** Ends the line (TTY) so that what follows starts on a fresh one. */
  finish(): void
}

/**
 * The import's progress on stderr: one line rewritten in place on a terminal; otherwise (a log,
 * a pipe) a plain line when the phase changes and at most every `plainEveryMs` while reading.
 */
type ProgressStream = { write(text: string): unknown; isTTY?: boolean }

export function createProgressLine(
  stream: ProgressStream,
  plainEveryMs = 2_000,
  phases: PhaseLabels = PHASES,
): ProgressLine {
  let width = 0
  let lastPlain = 0
  let lastPhase: string | null = null
  let open = false
  return {
    update(progress) {
      const line = formatProgress(progress, phases)
      if (stream.isTTY) {
        stream.write(`\r${line.padEnd(width)}`)
        width = Math.max(width, line.length)
        open = true
        return
      }
      const now = Date.now()
      const key = `${progress.file}:${progress.phase}`
      if (key !== lastPhase || now - lastPlain >= plainEveryMs) {
        stream.write(`${line}\n`)
        lastPlain = now
        lastPhase = key
      }
    },
    finish() {
      if (open) stream.write('\n')
      open = false
      width = 0
    },
  }
}

/**
 * Runs an import with its progress line on `stream`, ended at each file's 'done' and when the
 * import ends, so that its report or its error starts on a fresh line.
 */
export async function withProgressLine<T>(
  stream: ProgressStream,
  phases: PhaseLabels | undefined,
  run: (onProgress: (progress: ImportProgress) => void) => Promise<T>,
): Promise<T> {
  const progress = createProgressLine(stream, undefined, phases)
  try {
    return await run((update) => {
      progress.update(update)
      if (update.phase === 'done') progress.finish()
    })
  } finally {
    progress.finish()
  }
}

export function localTime(iso: string | null, timeZone: string): string {
  if (!iso) return '-'
  // sv-SE writes ISO-like "2018-02-01 00:00:05".
  return new Intl.DateTimeFormat('sv-SE', { timeZone, ...CLOCK_FORMAT }).format(new Date(iso))
}

/** What is wrong with a quarantined import and what to do, with the commands that do it. */
export function quarantineLines(
  outcome: Pick<TripImportQuarantined, 'importId' | 'quarantine'>,
): string[] {
  const { quarantine, importId } = outcome
  return [
    `  QUARANTINED: ${quarantine.problem}`,
    `  what to do: ${quarantine.advice}`,
    `  \`balancer trips discard ${importId}\` deletes it; \`balancer trips accept ${importId}\` adds it to flows (or import with --accept-unmatched)`,
  ]
}

/** What a person reads after `balancer import-trips`, one block per file. */
export function formatOutcome(outcome: TripImportOutcome): string {
  switch (outcome.status) {
    case 'failed':
      return `${outcome.file}: FAILED: ${outcome.error}\n`
    case 'already-imported':
      return `${outcome.file}: already imported (import #${outcome.importId}, ${count.format(outcome.rowsImported)} trips, ${outcome.importedAt}); nothing to do\n`
    case 'imported':
    case 'quarantined': {
      const s = outcome.stations
      const lines = [
        `${outcome.file}: ${count.format(outcome.rowsRead)} rows, ${count.format(outcome.rowsImported)} ${outcome.status === 'quarantined' ? 'read and QUARANTINED' : 'imported'}, ${count.format(outcome.rowsRejected)} rejected (${outcome.format} format, import #${outcome.importId})`,
      ]
      for (const rejection of outcome.rejections) {
        lines.push(`  rejected line ${rejection.line}: ${rejection.reason}`)
      }
      if (outcome.rowsRejected > outcome.rejections.length) {
        lines.push(
          `  (all ${count.format(outcome.rowsRejected)} in trip_import_errors, import_id ${outcome.importId})`,
        )
      }
      const matched =
        s.matchRate === null
          ? 'the file names no station'
          : `${count.format(s.idsMatched)} of ${count.format(s.ids)} ids matched${s.matchedBy ? ` by ${s.matchedBy}` : ''} (match rate ${percent(s.matchRate)})`
      const unmatchedIds = s.ids - s.idsMatched
      const listed = s.unmatchedIds
        .map((u, i) => `${u.id}: ${count.format(u.tripEnds)}${i === 0 ? ' trip ends' : ''}`)
        .join(', ')
      lines.push(
        `  stations: ${matched}; ${count.format(unmatchedIds)} unmatched station id(s)${listed ? ` (${listed}${unmatchedIds > s.unmatchedIds.length ? ', ...' : ''})` : ''}; ${count.format(s.tripsUnmatched)} trips kept with an unmatched station`,
      )
      lines.push(
        `  trips ${localTime(outcome.firstStartedAt, outcome.timeZone)} to ${localTime(outcome.lastEndedAt, outcome.timeZone)} (${outcome.timeZone})`,
      )
      lines.push(
        `  ${seconds(outcome.seconds)}, ${count.format(outcome.rowsPerSecond)} rows/s; station_flows: ${count.format(outcome.flowBins)} bins updated in ${seconds(outcome.flowSeconds)}`,
      )
      if (outcome.hint) lines.push(`  hint: ${outcome.hint}`)
      if (outcome.status === 'quarantined') lines.push(...quarantineLines(outcome))
      return `${lines.join('\n')}\n`
    }
  }
}

export function formatImportReport(report: TripImportReport): string {
  const head: string[] = []
  if (report.stationsLoaded) {
    const { loaded, skipped, systemCreated } = report.stationsLoaded
    head.push(
      `Loaded ${count.format(loaded)} stations into system ${report.systemId}${systemCreated ? ' (new system)' : ''}${skipped.length > 0 ? `; skipped ${skipped.length}: ${skipped.slice(0, 3).join('; ')}` : ''}`,
    )
  } else if (report.systemCreated) {
    head.push(`Created system ${report.systemId} (it has no stations yet)`)
  }
  if (report.remapped && report.remapped.imports > 0) {
    head.push(
      `Mapped ${count.format(report.remapped.tripEndsMapped)} trip ends of ${report.remapped.imports} earlier import(s) to these stations; station_flows: ${count.format(report.remapped.flowBins)} bins updated`,
    )
  }
  if (report.outcomes.length > 0) {
    head.push(`Importing into system ${report.systemId}, local times in ${report.timeZone}`)
  }
  return `${head.join('\n')}\n${report.outcomes.map(formatOutcome).join('')}`
}

export function formatRefreshReport(report: FlowsRefreshReport): string {
  const lines = report.remapped.map(
    (r) =>
      `${r.systemId}: ${count.format(r.tripEndsMapped)} trip ends of ${r.imports} import(s) with unmatched stations now mapped; station_flows: ${count.format(r.flowBins)} bins updated`,
  )
  for (const r of report.rebuilt) {
    lines.push(
      `${r.systemId}: station_flows rebuilt from all trips: ${count.format(r.bins)} bins in ${seconds(r.seconds)}`,
    )
  }
  lines.push(`imbalance_scores refreshed in ${seconds(report.imbalanceScoresSeconds)}`)
  return `${lines.join('\n')}\n`
}

/** `balancer trips list`: the quarantined imports, each with what is wrong and what to do. */
export function formatQuarantined(imports: QuarantinedImport[]): string {
  if (imports.length === 0) return 'No quarantined trip imports\n'
  return imports
    .map((q) =>
      [
        `import #${q.importId} ${q.file} into ${q.systemId} (${q.importedAt}): ${count.format(q.rowsImported)} trips, ${percent(q.matchRate)} of trip ends matched`,
        ...quarantineLines({ importId: q.importId, quarantine: q }),
      ].join('\n'),
    )
    .join('\n')
    .concat('\n')
}

/** `balancer trips accept|discard`: what it did. */
export function formatDecision(decision: QuarantineDecision): string {
  return decision.decision === 'accepted'
    ? `Accepted import #${decision.importId} (${decision.file}): ${count.format(decision.trips)} trips added to ${decision.systemId}; station_flows: ${count.format(decision.flowBins)} bins updated\n`
    : `Discarded import #${decision.importId} (${decision.file}): ${count.format(decision.trips)} trips deleted; the file can be imported again\n`
}
