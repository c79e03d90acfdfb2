import { useCallback, useMemo, useState } from 'react'
import { plural } from '../common/format'
import { Segmented } from '../common/Segmented'
import { Empty, Failure, Loading, Refreshing } from '../common/states'
import { useNow } from '../common/useNow'
import { useProblems, type CrewSources, type ProblemStatus } from '../crews/crew-sources'
import type { Problem } from '../crews/crew-types'
import { canDispatch, type ViewProps } from '../shell/view-props'
import { ProblemList } from './ProblemList'

const noPhoto = () => Promise.reject(new Error('No photos here'))

const STATUSES: readonly { value: ProblemStatus; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
]

/** What crews reported at stations (broken docks, offline, vandalism), for a dispatcher to resolve. */
export function ProblemsView({
  session,
  timeZone,
  sources = {},
}: ViewProps & { sources?: CrewSources }) {
  const now = useNow(10_000)
  const [status, setStatus] = useState<ProblemStatus>('open')
  const source = sources.problems
  const problems = useProblems(source, { status }, 30_000)
  const reload = problems.reload
  const resolve = useCallback(
    async (problem: Problem, note: string | undefined) => {
      if (!source) throw new Error('Problems are not offered here')
      const answer = await source.resolve(problem.problem_id, note)
      return answer
    },
    [source],
  )
  // No photo source: the list says a photo exists, without a thumbnail.
  const loadPhoto = useMemo(
    () =>
      source?.photo ? (problemId: number) => source.photo?.(problemId) ?? noPhoto() : undefined,
    [source],
  )

  const list = problems.data
  return (
    <section className="view">
      <header className="view-header">
        <h1>Problems</h1>
        {list && status === 'open' && (
          <span className="view-meta">{plural(list.length, 'open problem')}</span>
        )}
        <Refreshing active={problems.loading && list !== null} />
        {!problems.absent && (
          <div className="view-actions">
            <Segmented
              label="Which problems"
              options={STATUSES}
              value={status}
              onChange={setStatus}
            />
          </div>
        )}
      </header>
      {problems.absent ? (
        <Empty title="Problem reports are not offered by this server">
          Crews report broken docks, offline stations and vandalism from the crew app; this server
          does not serve them yet.
        </Empty>
      ) : problems.error && !list ? (
        <Failure title="Problems unavailable" detail={problems.error} onRetry={reload} />
      ) : !list ? (
        <Loading what="problems" />
      ) : list.length === 0 ? (
        <Empty title={status === 'open' ? 'No open problems' : 'No problems'}>
          {status === 'open' ? 'Problems crews report at stations appear here at once.' : null}
        </Empty>
      ) : (
        <section className="panel" aria-label="Problem reports">
          <ProblemList
            problems={list}
            now={now}
            timeZone={timeZone}
            {...(loadPhoto ? { loadPhoto } : {})}
            {...(canDispatch(session) && source ? { onResolve: resolve } : {})}
          />
        </section>
      )}
    </section>
  )
}
