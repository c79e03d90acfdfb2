/**
 * What a completed task did to its two stations: minutes empty, full and unknown in the
 * `TASK_EFFECT_MINUTES` before and after its completion, from the status history.
 */
import {
  TASK_EFFECT_MINUTES,
  type ServiceRange,
  type ServiceTaskEffects,
  type TaskEffectSide,
} from '../../shared/service-levels.js'
import { completedTasks } from './crews.repository.js'
import { snapshotTimes, timelines } from './daily.js'
import { header, minutesWithin, round2 } from './service-figures.js'
import { databaseNow, loadHistory, pollSpacingMs } from './service-levels.repository.js'
import { checkedSystem, type ServiceLevelsContext } from './service-refresh.js'
import { dayInstants } from './service-reads.js'
import { coverage } from './timeline.js'

export async function taskEffects(
  context: ServiceLevelsContext,
  range: ServiceRange,
): Promise<ServiceTaskEffects> {
  const { db } = context
  const system = await checkedSystem(db, range)
  const [instantsOf, asOf] = await Promise.all([
    dayInstants(db, system, range.from, range.to),
    databaseNow(db),
  ])
  const tasks = await completedTasks(db, system.systemId, instantsOf)
  const windowMs = TASK_EFFECT_MINUTES * 60_000
  const now = asOf.getTime()
  const effects: ServiceTaskEffects['tasks'] = []
  // One history per local day of completions: a day's tasks share their snapshots.
  const byDay = new Map<string, typeof tasks>()
  for (const task of tasks) {
    const key = task.completed_at.toISOString().slice(0, 10)
    byDay.set(key, [...(byDay.get(key) ?? []), task])
  }
  for (const group of byDay.values()) {
    const first = group[0]
    const last = group[group.length - 1]
    if (!first || !last) continue
    const span = {
      start: first.completed_at.getTime() - windowMs,
      end: Math.min(last.completed_at.getTime() + windowMs, now),
    }
    const stationIds = [
      ...new Set(group.flatMap((task) => [task.from_station_id, task.to_station_id])),
    ]
    const [history, pollSpacing] = await Promise.all([
      loadHistory(db, system.systemId, new Date(span.start), new Date(span.end), stationIds),
      pollSpacingMs(db, system.systemId, new Date(span.end)),
    ])
    const covered = coverage(snapshotTimes(history, pollSpacing), span, now)
    const lines = timelines(history, covered, span, now)
    for (const task of group) {
      const at = task.completed_at.getTime()
      const before = { start: at - windowMs, end: at }
      const after = { start: at, end: Math.min(at + windowMs, now) }
      const side = (stationId: string, name: string): TaskEffectSide => {
        const segments = lines.get(stationId) ?? []
        const b = minutesWithin(segments, before)
        const a = minutesWithin(segments, after)
        return {
          station_id: stationId,
          name,
          minutes_empty_before: b.empty,
          minutes_empty_after: a.empty,
          minutes_full_before: b.full,
          minutes_full_after: a.full,
          minutes_unknown_before: b.unknown,
          minutes_unknown_after: a.unknown,
        }
      }
      effects.push({
        task_id: task.id,
        worker_id: task.worker_id,
        completed_at: task.completed_at.toISOString(),
        qty: task.qty,
        bikes_moved: task.bikes_moved,
        from_station: side(task.from_station_id, task.from_name),
        to_station: side(task.to_station_id, task.to_name),
        after_minutes: round2((after.end - after.start) / 60_000),
      })
    }
  }
  const sum = (pick: (effect: ServiceTaskEffects['tasks'][number]) => number) =>
    round2(effects.reduce((total, effect) => total + pick(effect), 0))
  return {
    ...header(system),
    from: range.from,
    to: range.to,
    window_minutes: TASK_EFFECT_MINUTES,
    tasks: effects,
    totals: {
      tasks: effects.length,
      source_minutes_full_before: sum((e) => e.from_station.minutes_full_before),
      source_minutes_full_after: sum((e) => e.from_station.minutes_full_after),
      sink_minutes_empty_before: sum((e) => e.to_station.minutes_empty_before),
      sink_minutes_empty_after: sum((e) => e.to_station.minutes_empty_after),
    },
  }
}
