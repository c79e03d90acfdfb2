import { useEffect } from 'react'
import type { Session } from '../../../shared/dispatch'
import type { ProblemsSource } from '../crews/crew-sources'
import { PROBLEM_KIND_LABELS, type Problem } from '../crews/crew-types'
import { useBrowserNotifyState } from './browser-notifications'

export interface ProblemNotice {
  title: string
  body: string
  /** Same tag, same notice: a display may replace an older one with it. */
  tag: string
}

const NAMES_SHOWN = 3

/**
 * New problems among the open ones, as notices. Pure like the stations' notifier
 * (src/shared/notifications.ts): the first list sets what is known, so opening the console is
 * not a burst; each problem is told once; several new in one list are one notice.
 */
export function createProblemNotifier(
  batchFrom = 4,
): (open: readonly Problem[]) => ProblemNotice[] {
  let known: Set<number> | null = null
  return (open) => {
    const fresh = known ? open.filter((problem) => !known?.has(problem.problem_id)) : []
    known ??= new Set()
    for (const problem of open) known.add(problem.problem_id)
    if (fresh.length === 0) return []
    if (fresh.length >= batchFrom) {
      const names = [...new Set(fresh.map((problem) => problem.station_name))]
      const more = names.length - NAMES_SHOWN
      return [
        {
          title: `${fresh.length} new problems reported`,
          body: names.slice(0, NAMES_SHOWN).join(', ') + (more > 0 ? ` and ${more} more` : ''),
          tag: 'problems',
        },
      ]
    }
    return fresh.map((problem) => ({
      title: `${PROBLEM_KIND_LABELS[problem.kind]} at ${problem.station_name}`,
      body: [
        problem.note ? `“${problem.note}”` : null,
        problem.crew_id ? `crew ${problem.crew_id}` : problem.reported_by,
        problem.has_photo ? 'with a photo' : null,
      ]
        .filter(Boolean)
        .join(' · '),
      tag: `problem-${problem.problem_id}`,
    }))
  }
}

/** How often open problems are looked at when the source announces nothing. */
const CHECK_MS = 30_000

/**
 * In a browser whose dispatcher turned notifications on (Settings): a notice for each problem
 * a crew reports, while the console is open; a click opens the Problems page. The desktop app's
 * notices come from main (src/main/notifications.ts), so this stays off there, as the stations'.
 */
export function useProblemNotifications(
  source: ProblemsSource | undefined,
  session: Session,
  desktop = window.balancer !== undefined,
): void {
  const state = useBrowserNotifyState()
  const active = source !== undefined && !desktop && session.role === 'dispatcher' && state === 'on'
  useEffect(() => {
    if (!source || !active) return
    const notices = createProblemNotifier()
    let stopped = false
    const check = () =>
      source.list({ status: 'open' }).then(
        (open) => {
          if (stopped) return
          for (const notice of notices(open)) {
            const shown = new Notification(notice.title, { body: notice.body, tag: notice.tag })
            shown.onclick = () => {
              window.focus()
              window.location.hash = '#/problems'
            }
          }
        },
        () => undefined,
      )
    void check()
    const off = source.subscribe?.(() => void check())
    const timer = setInterval(() => void check(), CHECK_MS)
    return () => {
      stopped = true
      clearInterval(timer)
      off?.()
    }
  }, [active, source])
}
