import { useState } from 'react'
import { messageOf } from './format'

/**
 * A form's submit: working while `act` runs, and its failure in words (through `failed`, which
 * may say what was not done); a new submit forgets the last failure.
 */
export function useSubmit(
  act: () => Promise<unknown>,
  failed: (message: string) => string = (message) => message,
): { working: boolean; error: string | null; submit: (event: { preventDefault(): void }) => void } {
  const [working, setWorking] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const submit = (event: { preventDefault(): void }) => {
    event.preventDefault()
    setWorking(true)
    setError(null)
    act().then(
      () => setWorking(false),
      (failure: unknown) => {
        setError(failed(messageOf(failure)))
        setWorking(false)
      },
    )
  }
  return { working, error, submit }
}
