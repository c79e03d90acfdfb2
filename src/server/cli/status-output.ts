import { basename } from 'node:path'
import type { StatusImportPhase, StatusImportReport } from '../../shared/service-levels.js'
import { localTime, seconds, type PhaseLabels } from './trips-output.js'

const count = new Intl.NumberFormat('en-US')

/** The progress line's names for a status import's phases. */
export const STATUS_PHASES: PhaseLabels = {
  reading: 'reading',
  writing: 'checking, writing station_status',
  refreshing: 'recomputing service days',
  done: 'done',
} satisfies Record<StatusImportPhase, string>

/** What a person reads after `balancer import-status`. */
export function formatStatusImport(report: StatusImportReport): string {
  const lines: string[] = []
  if (report.stationsLoaded) {
    const { files, loaded, skipped } = report.stationsLoaded
    lines.push(
      `Loaded ${count.format(loaded)} stations into system ${report.systemId}${report.systemCreated ? ' (new system)' : ''} from ${files.map((file) => basename(file)).join(', ')}${skipped.length > 0 ? `; skipped ${skipped.length}: ${skipped.slice(0, 3).join('; ')}` : ''}`,
    )
  }
  if (report.status === 'already-imported') {
    lines.push(
      `${report.file}: already imported into system ${report.systemId} (import #${report.importId}, ${count.format(report.rowsRead)} rows, ${count.format(report.rowsWritten)} written, ${report.importedAt}); nothing to do`,
    )
    return `${lines.join('\n')}\n`
  }

  lines.push(
    `${report.file}: ${count.format(report.rowsRead)} rows read into system ${report.systemId} (import #${report.importId})`,
  )
  lines.push(
    `  ${count.format(report.rowsWritten)} written, ${count.format(report.rowsUnchanged)} unchanged, ${count.format(report.rowsRejected)} rejected, ${count.format(report.rowsUnknownStation)} of unknown stations, ${count.format(report.rowsAlreadyStored)} already stored`,
  )
  for (const rejection of report.rejections) {
    lines.push(`  rejected line ${rejection.line}: ${rejection.reason}`)
  }
  if (report.rowsRejected > report.rejections.length) {
    lines.push(
      `  (all ${count.format(report.rowsRejected)} in status_import_errors, import_id ${report.importId})`,
    )
  }
  if (report.rowsUnknownStation > 0) {
    lines.push(
      `  ${count.format(report.rowsUnknownStation)} rows of stations the system does not have were not written, e.g. ${report.unknownStationExamples.join(', ')}`,
    )
  }
  lines.push(
    `  ${count.format(report.snapshots)} snapshots of ${count.format(report.stations)} stations, ${localTime(report.firstSnapshotAt, report.timeZone)} to ${localTime(report.lastSnapshotAt, report.timeZone)} (${report.timeZone})`,
  )
  if (report.medianSpacingSeconds !== null && report.bridgeMinutes !== null) {
    lines.push(
      `  median spacing ${report.medianSpacingSeconds.toFixed(1)} s: gaps up to ${report.bridgeMinutes.toFixed(1)} min are bridged`,
    )
  }
  if (report.absences > 0) {
    lines.push(
      `  ${count.format(report.absences)} absence(s): runs of snapshots that left a station out`,
    )
  }
  lines.push(`  ${seconds(report.seconds)}, ${count.format(report.rowsPerSecond)} rows/s`)
  if (report.days) {
    lines.push(`  days refreshed: ${report.days.from} to ${report.days.to} (exclusive)`)
  }
  return `${lines.join('\n')}\n`
}
