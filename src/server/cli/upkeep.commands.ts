import type { Command } from 'commander'
import { loadSettings } from '../config/settings.js'
import { openDatabase } from '../db/connect.js'
import type { Logger } from '../logger.js'
import { createServiceLevelsService } from '../service-levels/service-levels.service.js'
import { runUpkeep, type UpkeepReport } from '../upkeep/upkeep.service.js'
import type { CommandHelpers } from './trips.commands.js'

interface DatabaseFlags {
  databaseUrl?: string
  dataDir?: string
}

/** What upkeep did, for a person. */
export function formatUpkeepReport(report: UpkeepReport): string {
  const { partitions, retention } = report
  const lines = [
    `Upkeep in ${report.seconds.toFixed(1)} s (status ${retention.statusMonths} months, polls ${retention.feedPollsDays} days, heartbeats ${retention.crewHeartbeatsDays} days, audit ${retention.auditLogMonths} months).`,
    `Status partitions created ahead: ${partitions.created.join(', ') || 'none needed'}.`,
    `Status partitions dropped (history kept from ${partitions.keptFrom.slice(0, 10)}): ${partitions.dropped.join(', ') || 'none'}.`,
  ]
  if (partitions.keptForImports.length > 0) {
    lines.push(`Kept for imported histories: ${partitions.keptForImports.join(', ')}.`)
  }
  for (const prune of report.pruned) {
    const more = prune.more ? ' (more remain: the next run continues)' : ''
    lines.push(
      prune.error
        ? `${prune.table}: failed after ${prune.deleted} rows: ${prune.error}`
        : `${prune.table}: ${prune.deleted} rows before ${prune.before.slice(0, 10)} deleted${more}.`,
    )
  }
  for (const done of report.imports.summarised) {
    lines.push(
      `Import #${done.importId}: days ${done.from ?? '-'} to ${done.to ?? '-'} summarised.`,
    )
  }
  for (const failed of report.imports.failed) {
    lines.push(`Import #${failed.importId}: summarising its days failed: ${failed.error}`)
  }
  for (const error of partitions.errors) lines.push(`Partitions: ${error}`)
  return `${lines.join('\n')}\n`
}

/** Whether a step failed (the command then exits 1, after printing everything it did). */
export function upkeepFailed(report: UpkeepReport): boolean {
  return (
    report.partitions.errors.length > 0 ||
    report.pruned.some((prune) => prune.error !== undefined) ||
    report.imports.failed.length > 0
  )
}

/** `upkeep`: what the leading console does every hour, once, now. */
export function addUpkeepCommands(program: Command, logger: Logger, helpers: CommandHelpers): void {
  helpers
    .withDatabaseOptions(
      program
        .command('upkeep')
        .description(
          'create status partitions ahead, drop and delete history past its retention (settings "retention"), summarise imports that stopped before doing so; prints what it did',
        )
        .option('--json', 'print the report as one JSON object'),
    )
    .action(async (flags: DatabaseFlags & { json?: boolean }) => {
      const settings = await loadSettings(helpers.overrides(flags))
      const database = await openDatabase(settings, logger, {
        poolSize: 2,
        applicationName: 'balancer upkeep',
      })
      try {
        const levels = createServiceLevelsService({ db: database.db, logger })
        const report = await runUpkeep({
          db: database.db,
          logger,
          retention: settings.retention,
          refreshDays: (system, from, to) => levels.refresh({ system, from, to, rebuild: true }),
        })
        process.stdout.write(
          flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatUpkeepReport(report),
        )
        if (upkeepFailed(report)) {
          throw new Error('some upkeep steps failed (said above); the rest was done')
        }
      } finally {
        await database.close()
      }
    })
}
