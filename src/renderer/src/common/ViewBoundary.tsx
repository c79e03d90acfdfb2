import { Component, type ErrorInfo, type ReactNode } from 'react'
import { messageOf } from './format'

interface Props {
  /** The view's name in words ("Stations"), for the heading. */
  name: string
  children: ReactNode
  /** What Reload does: the page again by default (a test gives its own). */
  onReload?: () => void
}

interface State {
  error: unknown
}

/**
 * Around each view: a view that throws while drawing shows what happened and a Reload, instead
 * of React unmounting the whole console into a blank window. The frame (navigation, top bar)
 * stays, so another view can still be opened.
 */
export class ViewBoundary extends Component<Props, State> {
  override state: State = { error: null }

  static getDerivedStateFromError(error: unknown): State {
    return { error: error ?? new Error('unknown error') }
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`The ${this.props.name} view failed`, error, info.componentStack)
  }

  override render(): ReactNode {
    const { error } = this.state
    if (error === null) return this.props.children
    const reload = this.props.onReload ?? (() => window.location.reload())
    return (
      <div className="state-box state-box-error view-failed" role="alert">
        <div className="state-box-text">
          <strong>The {this.props.name} view stopped working</strong>
          <span className="state-box-detail">{messageOf(error)}</span>
          <span className="state-box-detail">
            Reload to start it again; the other views still work from the menu.
          </span>
        </div>
        <button type="button" className="button" onClick={reload}>
          Reload
        </button>
      </div>
    )
  }
}
