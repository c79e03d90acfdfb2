import { fluidCrossing, type RateSegment } from './dissatisfaction.js'
import type { Move, PlanStation, Range } from './moves.js'

/**
 * A move's reason in a dispatcher's words: which station is in trouble, when it empties or
 * fills, how many riders are expected to be turned away by when, and why the other end can
 * spare the bikes or the docks. Example:
 *   "Mission St at 16th St empties in ~35 min (evening peak); 4.1 failed rentals expected by
 *    19:00 without this move, 1.2 with it. Source: Townsend St at 2nd St has 9 bikes above its
 *    range (4-11)."
 */

export interface ReasonContext {
  /** Local clock time the horizon ends, "19:00". */
  horizonEnd: string
  /** Local minute of the day now, for naming a peak. */
  minuteOfDay: number
}

const one = (value: number) => value.toFixed(1)

function peak(minuteOfDay: number, minutesAhead: number): string {
  const at = (minuteOfDay + minutesAhead) % 1440
  if (at >= 7 * 60 && at < 10 * 60) return ' (morning peak)'
  if (at >= 16 * 60 && at < 19 * 60 + 30) return ' (evening peak)'
  return ''
}

function when(
  crossing: { kind: 'empty' | 'full'; minutes: number } | null,
  kind: 'empty' | 'full',
  ctx: ReasonContext,
): string {
  if (!crossing || crossing.kind !== kind) return kind === 'empty' ? 'runs low' : 'fills up'
  const verb = kind === 'empty' ? 'empties' : 'fills'
  // The reason is read later, beside live numbers: say it was so when the move was proposed.
  if (crossing.minutes < 1) {
    return kind === 'empty' ? 'was empty when proposed' : 'was full when proposed'
  }
  return `${verb} in ~${Math.max(5, Math.round(crossing.minutes / 5) * 5)} min${peak(ctx.minuteOfDay, crossing.minutes)}`
}

export function moveReason(
  move: Move,
  source: PlanStation,
  sink: PlanStation,
  sourceRange: Range,
  sinkRange: Range,
  segments: { source: readonly RateSegment[]; sink: readonly RateSegment[] },
  ctx: ReasonContext,
): string {
  const sinkLed = move.toGain >= move.fromGain
  if (sinkLed) {
    const before = sink.f.failedRentals[sink.bikes] ?? 0
    const after = sink.f.failedRentals[sink.bikes + move.qty] ?? 0
    const crossing = fluidCrossing(sink.capacity, sink.bikes, segments.sink)
    const above = source.bikes - sourceRange.high
    const spare =
      above > 0
        ? `has ${above} bike${above === 1 ? '' : 's'} above its range (${sourceRange.low}-${sourceRange.high})`
        : `can spare ${move.qty} and stay in its range (${sourceRange.low}-${sourceRange.high})`
    return (
      `${sink.name} ${when(crossing, 'empty', ctx)} with ${sink.bikes} bike${sink.bikes === 1 ? '' : 's'}; ` +
      `${one(before)} failed rentals expected by ${ctx.horizonEnd} without this move, ${one(after)} with it. ` +
      `Source: ${source.name} ${spare}.`
    )
  }
  const before = source.f.failedReturns[source.bikes] ?? 0
  const after = source.f.failedReturns[source.bikes - move.qty] ?? 0
  const crossing = fluidCrossing(source.capacity, source.bikes, segments.source)
  const free = source.capacity - source.bikes
  const room = sinkRange.high - sink.bikes
  return (
    `${source.name} ${when(crossing, 'full', ctx)} (${free} free dock${free === 1 ? '' : 's'}); ` +
    `${one(before)} failed returns expected by ${ctx.horizonEnd} without this move, ${one(after)} with it. ` +
    `Take the bikes to ${sink.name}: room for ${room} within its range (${sinkRange.low}-${sinkRange.high}).`
  )
}
