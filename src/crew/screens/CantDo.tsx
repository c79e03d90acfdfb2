import { useState } from 'react'
import type { ReleaseReasonCode } from '../api'
import { RELEASE_REASONS } from '../words'
import { Choices } from './Choices'

/** "Can't do": the task goes back to the dispatcher with a reason from the list and a note. */
export function CantDo({
  stationName,
  onGiveBack,
  onBack,
}: {
  stationName: string
  onGiveBack: (code: ReleaseReasonCode, note: string) => void
  onBack: () => void
}) {
  const [code, setCode] = useState<ReleaseReasonCode | null>(null)
  const [note, setNote] = useState('')
  const needsNote = code === 'other' && !note.trim()
  return (
    <main className="screen">
      <h1>Can&apos;t do</h1>
      <p className="lead">Why can&apos;t this task be done? ({stationName})</p>
      <Choices
        legend="Reason"
        name="reason"
        options={RELEASE_REASONS}
        valueOf={(reason) => reason.code}
        labelOf={(reason) => reason.label}
        chosen={code}
        onChoose={setCode}
      />
      <div className="field">
        <label htmlFor="release-note">
          Note for the dispatcher{code === 'other' ? '' : ' (optional)'}
        </label>
        <textarea
          id="release-note"
          rows={3}
          maxLength={400}
          value={note}
          placeholder="e.g. only 9 bikes, 2 docks broken"
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
      <button
        className="primary"
        type="button"
        disabled={code === null || needsNote}
        onClick={() => code && onGiveBack(code, note)}
      >
        Give the task back
      </button>
      {code === null ? <p className="hint">Choose a reason first.</p> : null}
      {needsNote ? <p className="hint">Say what is wrong in the note.</p> : null}
      <button className="secondary" type="button" onClick={onBack}>
        Back
      </button>
    </main>
  )
}
