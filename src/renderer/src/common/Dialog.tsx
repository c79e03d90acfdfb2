import { useEffect, useRef, type ReactNode, type RefObject } from 'react'

/**
 * Closes on Escape (and the other keys given) before anything else on the page hears them, and
 * puts the focus on the returned button at first, so the keyboard starts inside the dialog.
 */
export function useCloseKeys(
  onClose: () => void,
  keys: readonly string[] = ['Escape'],
): RefObject<HTMLButtonElement | null> {
  const closeButton = useRef<HTMLButtonElement>(null)
  useEffect(() => closeButton.current?.focus(), [])
  const keyList = keys.join(' ')
  useEffect(() => {
    const closing = keyList.split(' ')
    const onKey = (event: KeyboardEvent) => {
      if (!closing.includes(event.key)) return
      event.preventDefault()
      onClose()
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [onClose, keyList])
  return closeButton
}

/** Over the page, modal: a click beside it closes it, a click in it does not. */
export function Overlay({
  as: Frame = 'div',
  className,
  label,
  labelledBy,
  onClose,
  children,
}: {
  as?: 'div' | 'figure'
  className: string
  /** The dialog's name, or the id of the element that names it. */
  label?: string
  labelledBy?: string
  onClose: () => void
  children: ReactNode
}) {
  return (
    <div className="overlay" onClick={onClose}>
      <Frame
        className={className}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        aria-labelledby={labelledBy}
        onClick={(event) => event.stopPropagation()}
      >
        {children}
      </Frame>
    </div>
  )
}

/** A modal dialog with its title and a Close button; Esc (and `closeKeys`) close it too. */
export function Dialog({
  id,
  className,
  title,
  closeKeys,
  closeClassName = 'button button-small button-quiet',
  onClose,
  children,
}: {
  /** Names the title element (`<id>-title`). */
  id: string
  /** Beside `dialog`. */
  className: string
  title: ReactNode
  closeKeys?: readonly string[]
  closeClassName?: string
  onClose: () => void
  children: ReactNode
}) {
  const closeButton = useCloseKeys(onClose, closeKeys)
  return (
    <Overlay className={`dialog ${className}`} labelledBy={`${id}-title`} onClose={onClose}>
      <header className="dialog-header">
        <h2 id={`${id}-title`}>{title}</h2>
        <button ref={closeButton} type="button" className={closeClassName} onClick={onClose}>
          Close
        </button>
      </header>
      {children}
    </Overlay>
  )
}
