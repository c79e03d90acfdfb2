import { useCallback, useEffect, useState } from 'react'
import { Overlay, useCloseKeys } from '../common/Dialog'
import { messageOf } from '../common/format'

/** The photo large, over the page; Esc, a click or Close put it away. */
function PhotoLarge({ src, alt, onClose }: { src: string; alt: string; onClose: () => void }) {
  const close = useCloseKeys(onClose)
  return (
    <Overlay as="figure" className="photo-large" label={alt} onClose={onClose}>
      <img src={src} alt={alt} />
      <figcaption>
        <span>{alt}</span>
        <button
          ref={close}
          type="button"
          className="button button-small button-quiet"
          onClick={onClose}
        >
          Close
        </button>
      </figcaption>
    </Overlay>
  )
}

/** A problem's photo as a thumbnail, loaded when shown; a click opens it large. */
export function ProblemPhoto({
  problemId,
  alt,
  load,
}: {
  problemId: number
  alt: string
  /** The photo as an <img> src (a data: URL). */
  load: (problemId: number) => Promise<string>
}) {
  const [src, setSrc] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [large, setLarge] = useState(false)
  const closeLarge = useCallback(() => setLarge(false), [])

  useEffect(() => {
    let current = true
    load(problemId).then(
      (answer) => current && setSrc(answer),
      (failure: unknown) => current && setError(messageOf(failure)),
    )
    return () => {
      current = false
    }
  }, [load, problemId])

  if (error) {
    return (
      <span className="photo-thumb photo-missing" title={error}>
        Photo unavailable
      </span>
    )
  }
  if (!src) {
    return (
      <span className="photo-thumb photo-loading" aria-busy="true">
        Photo…
      </span>
    )
  }
  return (
    <>
      <button
        type="button"
        className="photo-thumb"
        onClick={() => setLarge(true)}
        aria-label={`Open the photo: ${alt}`}
      >
        <img src={src} alt="" />
      </button>
      {large && <PhotoLarge src={src} alt={alt} onClose={closeLarge} />}
    </>
  )
}
