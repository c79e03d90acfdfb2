import type { EngineRunSummary } from '../../shared/engine.js'
import type { EvaluateReport } from '../engine/simulation/evaluate.js'

const fixed = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
  return [line(header), ...rows.map(line)].join('\n')
}

const ratioText = (value: number | null) => (value === null ? 'n/a' : fixed(value, 2))

/** The evaluate table a person reads: means over seeds, with the spread of the total. */
export function formatEvaluateReport(report: EvaluateReport): string {
  const names = {
    none: 'none',
    seed: 'seed heuristic',
    ours: 'ours (engine)',
    runs: 'runs (per van)',
  } as const
  const rows = (['none', 'seed', 'ours', 'runs'] as const).map((name) => {
    const p = report.policies[name]
    return [
      names[name],
      fixed(p.failed_rentals),
      fixed(p.failed_returns),
      `${fixed(p.failed_total)} ± ${fixed(p.failed_total_sd)}`,
      `${fixed(p.failed_total_min)}-${fixed(p.failed_total_max)}`,
      fixed(p.moves),
      fixed(p.bikes_moved),
    ]
  })
  const s = report.settings
  const accuracy = report.model_accuracy
  const lines = [
    `System ${report.system_id}: ${report.stations} stations; model fitted on ${report.fitted.from} to ${report.fitted.to} (${report.fitted.weekdays} weekdays, ${report.fitted.weekend_days} weekend days${report.fitted.censored_cells ? `, ${report.fitted.censored_cells} station-slots corrected for empty/full time` : ', no status history to correct censoring'})`,
    accuracy
      ? `Model accuracy on the held-out days: MAE of 15-minute counts ${fixed(accuracy.mae, 3)} (Poisson median; the mean itself ${fixed(accuracy.mae_of_mean, 3)}) vs ${fixed(accuracy.baseline_mae, 3)} for seasonal-naive (same slot a week earlier), ${accuracy.cells.toLocaleString('en-US')} station-slot counts`
      : 'Model accuracy: not measured (no week of data before the held-out days)',
    `Simulated ${report.days.length} held-out day(s) (${report.days.join(', ')}) x ${report.seeds.length} seeds, ${s.service}; start: ${report.start_state}`,
    `Crews ${s.crews}, van ${s.vanCapacity} bikes, ${s.speedKmh} km/h x ${s.detour} detour, ${s.handlingMinutes} min per bike loaded and again unloaded; engine horizon ${s.horizon_minutes} min, moves within ${s.radius_km} km`,
    '',
    table(
      [
        'policy',
        'failed rentals',
        'failed returns',
        'failed total ± sd',
        'range',
        'moves',
        'bikes moved',
      ],
      rows,
    ),
    '',
    `Per day, means over seeds. Ours / seed heuristic: ${ratioText(report.ours_vs_seed)}. Runs / seed: ${ratioText(report.runs_vs_seed)}, runs / ours: ${ratioText(report.runs_vs_ours)}, runs / none: ${ratioText(report.runs_vs_none)}. Checker: ${report.checked_days} simulated days replayed, all consistent. ${fixed(report.seconds)} s.`,
  ]
  return `${lines.join('\n')}\n`
}

export function formatRunSummary(summary: EngineRunSummary): string {
  const lines = [
    `${summary.system_id}: ${summary.created} suggestion(s) created, ${summary.superseded} superseded, in ${summary.duration_ms} ms (model v${summary.model_version ?? '-'}, ${summary.stations} stations, horizon ${summary.horizon_minutes} min)`,
  ]
  if (summary.note) lines.push(summary.note)
  for (const suggestion of summary.suggestions) {
    lines.push(
      `  #${suggestion.id}  ${suggestion.qty} bikes  ${suggestion.from_station_id} -> ${suggestion.to_station_id}  value ${fixed(suggestion.value, 2)}  ${suggestion.reason}`,
    )
  }
  return `${lines.join('\n')}\n`
}
