import { useCallback, useMemo } from 'react'
import type { Session } from '../../../shared/dispatch'
import { Panel } from '../common/Panel'
import { Empty, Failure, Loading } from '../common/states'
import { useNow } from '../common/useNow'
import { useProblems, type ProblemsSource } from '../crews/crew-sources'
import type { Problem } from '../crews/crew-types'
import { ProblemList } from '../problems/ProblemList'
import type { StationRef } from '../shell/routes'
import { canDispatch } from '../shell/view-props'

const noPhoto = () => Promise.reject(new Error('No photos here'))

/** This station's open problems, as crews reported them; a dispatcher resolves them here too. */
export function ProblemsPanel({
  source,
  station,
  session,
  timeZone,
}: {
  /** Absent: the server does not serve problem reports, and the panel is not shown. */
  source: ProblemsSource | undefined
  station: StationRef
  session: Session
  timeZone: string | null
}) {
  const now = useNow(10_000)
  const problems = useProblems(source, { status: 'open', station_id: station.stationId })
  const resolve = useCallback(
    (problem: Problem, note: string | undefined) =>
      source
        ? source.resolve(problem.problem_id, note)
        : Promise.reject(new Error('Problems are not offered here')),
    [source],
  )
  // No photo source: the list says a photo exists, without a thumbnail.
  const loadPhoto = useMemo(
    () =>
      source?.photo ? (problemId: number) => source.photo?.(problemId) ?? noPhoto() : undefined,
    [source],
  )
  if (problems.absent) return null
  // Two systems may both have a station of this id: only this system's.
  const mine = problems.data?.filter((problem) => problem.system_id === station.systemId) ?? null
  return (
    <Panel
      title="Open problems"
      className={mine && mine.length > 0 ? 'panel-wide panel-alert' : undefined}
      meta={mine ? `${mine.length} open` : undefined}
    >
      {problems.error && !mine ? (
        <Failure title="Problems unavailable" detail={problems.error} onRetry={problems.reload} />
      ) : !mine ? (
        <Loading what="problems" />
      ) : mine.length === 0 ? (
        <Empty title="No open problems">No crew has reported a problem here.</Empty>
      ) : (
        <ProblemList
          problems={mine}
          now={now}
          timeZone={timeZone}
          showStation={false}
          {...(loadPhoto ? { loadPhoto } : {})}
          {...(canDispatch(session) ? { onResolve: resolve } : {})}
        />
      )}
    </Panel>
  )
}
