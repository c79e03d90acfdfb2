import type { Session } from '../../../shared/dispatch'
import type { ConsoleClient } from '../api/client'

/** What every view is given by the frame. */
export interface ViewProps {
  client: ConsoleClient
  session: Session
  /** The system's IANA zone (from its feed), for times on the depot's clock. */
  timeZone: string | null
  /** Whether the view's own shortcuts are live (not while a dialog covers it). */
  keysEnabled: boolean
}

export const canDispatch = (session: Session) => session.role === 'dispatcher'
