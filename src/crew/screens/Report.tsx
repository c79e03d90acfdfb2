import { useEffect, useState } from 'react'
import type { ProblemKind, TaskStation } from '../api'
import { dataUrlBytes, dataUrlToBlob, scalePhoto } from '../photo'
import { PROBLEM_KINDS } from '../words'
import { Choices } from './Choices'

/** "Report a problem" at one of the task's stations, with an optional photo from the camera. */
export function Report({
  stations,
  onReport,
  onBack,
}: {
  stations: TaskStation[]
  onReport: (
    station: TaskStation,
    kind: ProblemKind,
    note: string,
    photo: string | null,
    label: string,
  ) => void
  onBack: () => void
}) {
  const [stationId, setStationId] = useState(stations[0]?.station_id ?? '')
  const [kind, setKind] = useState<ProblemKind | null>(null)
  const [note, setNote] = useState('')
  const [photo, setPhoto] = useState<string | null>(null)
  const [preview, setPreview] = useState<string | null>(null)
  const [photoError, setPhotoError] = useState<string | null>(null)
  const [scaling, setScaling] = useState(false)
  const station = stations.find((candidate) => candidate.station_id === stationId)
  const label = PROBLEM_KINDS.find((choice) => choice.kind === kind)?.label ?? ''

  useEffect(
    () => () => {
      if (preview) URL.revokeObjectURL(preview)
    },
    [preview],
  )

  const takePhoto = async (file: File | undefined) => {
    setPhotoError(null)
    if (!file) return
    setScaling(true)
    try {
      const scaled = await scalePhoto(file)
      setPhoto(scaled)
      setPreview(URL.createObjectURL(dataUrlToBlob(scaled)))
    } catch (error) {
      setPhoto(null)
      setPhotoError(
        `That photo could not be used (${error instanceof Error ? error.message : 'unknown'}). Take it again, or send the report without it.`,
      )
    } finally {
      setScaling(false)
    }
  }

  return (
    <main className="screen">
      <h1>Report a problem</h1>
      {stations.length > 1 ? (
        <Choices
          legend="Station"
          name="station"
          options={stations}
          valueOf={(candidate) => candidate.station_id}
          labelOf={(candidate) => candidate.name}
          chosen={stationId}
          onChoose={setStationId}
        />
      ) : null}
      <Choices
        legend="What is wrong"
        name="kind"
        options={PROBLEM_KINDS}
        valueOf={(choice) => choice.kind}
        labelOf={(choice) => choice.label}
        chosen={kind}
        onChoose={setKind}
      />
      <div className="field">
        <label htmlFor="problem-note">Note (optional)</label>
        <textarea
          id="problem-note"
          rows={3}
          maxLength={1000}
          value={note}
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
      <div className="field">
        <label className="button secondary photo-button" htmlFor="problem-photo">
          {scaling ? 'Preparing photo…' : photo ? 'Take another photo' : 'Add a photo'}
        </label>
        <input
          id="problem-photo"
          className="visually-hidden"
          type="file"
          accept="image/*"
          capture="environment"
          onChange={(event) => void takePhoto(event.target.files?.[0])}
        />
        {preview && photo ? (
          <figure className="preview">
            <img src={preview} alt="The photo to send" />
            <figcaption>
              {Math.round(dataUrlBytes(photo) / 1024)} kB{' '}
              <button
                type="button"
                className="link"
                onClick={() => {
                  setPhoto(null)
                  setPreview(null)
                }}
              >
                Remove photo
              </button>
            </figcaption>
          </figure>
        ) : null}
        {photoError ? <p className="notice error">{photoError}</p> : null}
      </div>
      <button
        className="primary"
        type="button"
        disabled={!station || kind === null || scaling}
        onClick={() => station && kind && onReport(station, kind, note, photo, label)}
      >
        Send report
      </button>
      {kind === null ? <p className="hint">Choose what is wrong first.</p> : null}
      <button className="secondary" type="button" onClick={onBack}>
        Back
      </button>
    </main>
  )
}
