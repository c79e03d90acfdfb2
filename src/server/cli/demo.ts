import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FeedsHealth } from '../../shared/feeds.js'
import { shiftDay } from '../../shared/service-levels.js'
import { CLI_ACTOR } from '../auth/actor.js'
import { describeError } from '../errors.js'
import type { Services } from '../services.js'

/**
 * The trip month `serve --demo` imports beside its default week of status: February 2018 of Ford
 * GoBike, whose numeric station ids the 2023 Bay Wheels feed still lists as `legacy_id`. With it
 * the station pages have flows and the engine has demand to plan from. Null when the shared data
 * is not beside the checkout (the demo then runs without trips and says so).
 */
export function demoTrips(env: NodeJS.ProcessEnv = process.env): string | null {
  const shared = env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data')
  const path = resolve(shared, 'trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')
  return existsSync(path) ? path : null
}

type Say = (line: string) => void

export const DEMO_TOKEN_NAME = 'Demo dispatcher'

/**
 * The dispatcher token a demo prints. The one an earlier demo start printed is revoked first, so
 * restarting a demo leaves one working demo token, not one more each time.
 */
export async function demoDispatcherToken(auth: Services['auth']): Promise<string> {
  const earlier = (await auth.listTokens()).filter(
    (token) => token.name === DEMO_TOKEN_NAME && token.role === 'dispatcher',
  )
  for (const token of earlier) await auth.revokeToken(token.token_id, CLI_ACTOR)
  const { token } = await auth.createToken({ name: DEMO_TOKEN_NAME, role: 'dispatcher' }, CLI_ACTOR)
  return token
}

/** The first poll's stations, or null when none arrive within `timeoutMs`. */
async function firstStations(
  health: () => Promise<FeedsHealth>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | null> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !signal?.aborted) {
    const feeds = await health()
    const polled = feeds.feeds.find((feed) => (feed.stationCount ?? 0) > 0 && feed.systemId)
    if (polled?.systemId) return polled.systemId
    await sleep(500, undefined, { signal }).catch(() => undefined)
  }
  return null
}

/**
 * Gives a demo something to look at beyond live numbers: once the replayed feed's first poll has
 * written the stations, imports the trip month into that system (a second start finds it already
 * imported and skips it) and runs the engine once, so Suggestions is not empty for the first
 * 15 minutes. Failures are reported and leave the demo running.
 */
export async function seedDemo(
  services: Pick<Services, 'feeds' | 'trips' | 'engine' | 'statusImports'>,
  tripsFile: string,
  say: Say,
  options: {
    timeoutMs?: number
    signal?: AbortSignal
    /**
     * The week the demo replays, also loaded as the history it is (at its own 2023 times): the
     * Service page then has a whole week to show beside today's replay.
     */
    history?: string
  } = {},
): Promise<void> {
  try {
    const systemId = await firstStations(
      () => services.feeds.health(),
      options.timeoutMs ?? 60_000,
      options.signal,
    )
    if (!systemId) {
      say('Demo trips: no stations polled within a minute; not importing trips')
      return
    }
    const report = await services.trips.importFiles({ paths: [tripsFile], systemId })
    for (const outcome of report.outcomes) {
      if (outcome.status === 'imported') {
        say(
          `Demo trips: ${outcome.rowsImported.toLocaleString('en-US')} trips of ${outcome.file} imported into ${systemId}`,
        )
      } else if (outcome.status === 'already-imported') {
        say(`Demo trips: ${outcome.file} was imported before (${outcome.importedAt})`)
      } else if (outcome.status === 'quarantined') {
        say(`Demo trips: ${outcome.file} quarantined: ${outcome.quarantine.problem}`)
      } else {
        say(`Demo trips: ${outcome.file} could not be imported: ${outcome.error}`)
      }
    }
    const run = await services.engine.run(
      { system_id: systemId },
      { trigger: 'cli', actor: CLI_ACTOR },
    )
    say(
      `Demo engine: ${run.created} suggestion${run.created === 1 ? '' : 's'} for ${systemId}${run.note ? ` (${run.note})` : ''}`,
    )
    if (options.history && !options.signal?.aborted) {
      const week = await services.statusImports.importFile({ path: options.history, systemId })
      const days = week.status === 'imported' && week.days ? week.days : null
      say(
        week.status === 'imported'
          ? `Demo service levels: the recorded week imported as status history${days ? ` (${days.from} to ${shiftDay(days.to, -1)})` : ''}; see Service`
          : `Demo service levels: the recorded week was imported before (${week.file})`,
      )
    }
  } catch (error) {
    if (options.signal?.aborted) return
    say(`Demo trips: ${describeError(error)}`)
  }
}
