import type { ReactNode } from 'react'
import type { StationLive } from '../../../shared/feeds'
import type { Resource } from './useResource'

/** Waiting for the first answer. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="state-box" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      <span>Loading {what}…</span>
    </div>
  )
}

/** A failure in words, with the one thing to do about it. */
export function Failure({
  title,
  detail,
  onRetry,
}: {
  title: string
  detail: string
  onRetry?: () => void
}) {
  return (
    <div className="state-box state-box-error" role="alert">
      <div className="state-box-text">
        <strong>{title}</strong>
        <span className="state-box-detail">{detail}</span>
      </div>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  )
}

/** Nothing to show, and why that is fine (or what would fill it, and a button that does). */
export function Empty({
  title,
  children,
  action,
}: {
  title: string
  children?: ReactNode
  action?: ReactNode
}) {
  return (
    <div className="state-box state-box-empty">
      <div className="state-box-text">
        <strong>{title}</strong>
        {children && <span className="state-box-detail">{children}</span>}
      </div>
      {action}
    </div>
  )
}

/** What an action failed at, above what it was done to; nothing while there is no failure. */
export function ErrorNotice({ message }: { message: string | null }) {
  if (!message) return null
  return (
    <div className="notice notice-error" role="alert">
      <span>{message}</span>
    </div>
  )
}

/** A thin line under a view's header while it loads again, keeping what is shown. */
export function Refreshing({ active }: { active: boolean }) {
  return <div className={active ? 'refreshing refreshing-on' : 'refreshing'} aria-hidden="true" />
}

/** A resource's failure, its first load, or what it holds. */
export function Loaded<T>({
  resource,
  what,
  children,
}: {
  resource: Resource<T>
  /** "stations": loading stations…, Stations unavailable. */
  what: string
  children: (data: T) => ReactNode
}) {
  if (resource.error && !resource.data) {
    return (
      <Failure
        title={`${what.charAt(0).toUpperCase()}${what.slice(1)} unavailable`}
        detail={resource.error}
        onRetry={resource.reload}
      />
    )
  }
  if (!resource.data) return <Loading what={what} />
  return <>{children(resource.data)}</>
}

/**
 * The station list's own states, for every view drawn from it (the table, the map): the failure
 * with a retry, the first load, no stations before the first poll; else the view itself.
 */
export function StationsOr({
  stations,
  children,
}: {
  stations: Resource<StationLive[]>
  /** Drawn only once there are stations (a map needs its container then, not before). */
  children: () => ReactNode
}) {
  return (
    <Loaded resource={stations} what="stations">
      {(all) =>
        all.length === 0 ? (
          <Empty title="No stations yet">
            They appear after the first successful poll of a GBFS feed.
          </Empty>
        ) : (
          children()
        )
      }
    </Loaded>
  )
}
