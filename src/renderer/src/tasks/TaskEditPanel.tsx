import { useCallback, useState } from 'react'
import type { Task } from '../../../shared/dispatch'
import { fitsQtyOf, type ConsoleClient } from '../api/client'
import { messageOf } from '../common/format'
import { Panel } from '../common/Panel'
import { useResource } from '../common/useResource'

/** A ready task's bikes and priority, and the crew whose claim gets it. */
export function TaskEditPanel({
  client,
  task,
  onChanged,
}: {
  client: ConsoleClient
  task: Task
  onChanged: () => void
}) {
  const loadCrews = useCallback(() => client.invoke('crews:list'), [client])
  const crews = useResource(client, loadCrews)
  const [qty, setQty] = useState(String(task.qty))
  const [priority, setPriority] = useState(String(task.priority))
  const [crew, setCrew] = useState(task.for_crew ?? '')
  const [working, setWorking] = useState(false)
  const [message, setMessage] = useState<{ words: string; fits: number | null } | null>(null)

  async function run(work: () => Promise<Task>, done: string) {
    setWorking(true)
    setMessage(null)
    try {
      await work()
      setMessage({ words: done, fits: null })
      onChanged()
    } catch (error) {
      setMessage({ words: messageOf(error), fits: fitsQtyOf(error) })
    } finally {
      setWorking(false)
    }
  }

  const change = (bikes: number) =>
    run(
      () =>
        client.invoke('tasks:change', { task_id: task.id, qty: bikes, priority: Number(priority) }),
      'Saved.',
    )
  const count = Number(qty)
  const valid =
    Number.isInteger(count) && count >= 1 && count <= 200 && Number.isFinite(Number(priority))

  return (
    <Panel title="Change">
      <form
        className="task-edit"
        onSubmit={(event) => {
          event.preventDefault()
          if (valid) void change(count)
        }}
      >
        <label className="field field-narrow">
          <span>Bikes</span>
          <input
            type="number"
            min={1}
            max={200}
            value={qty}
            onChange={(e) => setQty(e.target.value)}
          />
        </label>
        <label className="field field-narrow">
          <span>Priority</span>
          <input type="number" value={priority} onChange={(e) => setPriority(e.target.value)} />
        </label>
        <button type="submit" className="button button-small" disabled={working || !valid}>
          Save
        </button>
      </form>
      <form
        className="task-edit"
        onSubmit={(event) => {
          event.preventDefault()
          void run(
            () => client.invoke('tasks:assign', { task_id: task.id, crew_id: crew || null }),
            crew
              ? `Assigned to crew ${crew}: its next claim gets this task.`
              : 'Any crew may take it.',
          )
        }}
      >
        <label className="field">
          <span>Crew</span>
          <select value={crew} onChange={(e) => setCrew(e.target.value)}>
            <option value="">Any crew</option>
            {(crews.data ?? []).map((c) => (
              <option key={c.crew_id} value={c.crew_id}>
                {c.name}
                {c.van_capacity !== null ? ` (van ${c.van_capacity})` : ''}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button button-small" disabled={working}>
          Assign
        </button>
      </form>
      {message && (
        <div className="task-edit-message" role={message.fits === null ? 'status' : 'alert'}>
          <p>{message.words}</p>
          {message.fits !== null && message.fits > 0 && (
            <button
              type="button"
              className="button button-small"
              disabled={working}
              onClick={() => {
                setQty(String(message.fits))
                void change(message.fits ?? count)
              }}
            >
              Ask for {message.fits} instead
            </button>
          )}
        </div>
      )}
    </Panel>
  )
}
