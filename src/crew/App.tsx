import { useState, useSyncExternalStore } from 'react'
import { CantDo } from './screens/CantDo'
import { CountForm } from './screens/CountForm'
import { EndShift } from './screens/EndShift'
import { Pairing } from './screens/Pairing'
import { Report } from './screens/Report'
import { StartShift } from './screens/StartShift'
import { TaskScreen } from './screens/TaskScreen'
import { Waiting } from './screens/Waiting'
import type { CrewSession } from './session'
import { unsentWords } from './unsent'
import { bikes } from './words'

type View = 'task' | 'pickup' | 'complete' | 'cantdo' | 'report' | 'end'

/** The phone app: one screen at a time, the header and what waits to be sent always in sight. */
export function App({ session }: { session: CrewSession }) {
  const crew = useSyncExternalStore(session.subscribe, session.snapshot)
  const actions = session
  const { task, progress, queue } = crew
  const shift = crew.shift !== null && crew.shift.ended_at === null ? crew.shift : null
  const [view, setViewState] = useState<View>('task')
  // A new screen starts at its top, not where the last one was scrolled to.
  const setView = (next: View) => {
    setViewState(next)
    window.scrollTo(0, 0)
    // An old "sent" line does not follow the crew into a form; warnings and errors stay, and
    // what a form just saved is said on the task screen it returns to.
    if (next !== 'task' && crew.notice?.tone === 'info') actions.dismiss()
  }

  const back = () => setView('task')
  let screen: React.ReactNode
  if (!crew.ready) {
    screen = <main className="screen" aria-busy="true" />
  } else if (!crew.signedIn) {
    screen = <Pairing busy={crew.busy === 'pair'} onPair={(code) => void actions.pair(code)} />
  } else if (!shift) {
    screen = (
      <StartShift
        crewName={crew.me?.crew_name ?? 'Crew'}
        defaultCapacity={crew.me?.van_capacity ?? null}
        busy={crew.busy === 'start'}
        onStart={(capacity, onBoard) => void actions.startShift(capacity, onBoard)}
      />
    )
  } else if (view === 'end') {
    screen = (
      <EndShift
        capacity={shift.van_capacity}
        waiting={queue.length}
        busy={crew.busy === 'end'}
        onEnd={(onBoard) => void actions.endShift(onBoard).then(back)}
        onBack={back}
      />
    )
  } else if (task && view === 'pickup') {
    screen = (
      <CountForm
        title="Picked up"
        label="Bikes actually taken"
        initial={task.qty}
        max={shift.van_capacity}
        hint={`Asked: ${bikes(task.qty)} from ${task.from.name}.`}
        confirm="Picked up"
        onConfirm={(count) => void actions.pickedUp(task, count).then(back)}
        onBack={back}
      />
    )
  } else if (task && view === 'complete') {
    const picked = progress?.picked ?? task.qty_picked ?? task.qty
    screen = (
      <CountForm
        title="Complete"
        label="Bikes actually left"
        initial={picked}
        max={shift.van_capacity}
        hint={`Picked up: ${bikes(picked)}. Count what you left at ${task.to.name}.`}
        confirm="Complete"
        onConfirm={(count) => void actions.complete(task, count).then(back)}
        onBack={back}
      />
    )
  } else if (task && view === 'cantdo') {
    screen = (
      <CantDo
        stationName={task.from.name}
        onGiveBack={(code, note) => void actions.cantDo(task, code, note).then(back)}
        onBack={back}
      />
    )
  } else if (task && view === 'report') {
    screen = (
      <Report
        stations={[task.from, task.to]}
        onReport={(station, kind, note, photo, label) =>
          void actions.report(station, kind, note, photo, label).then(back)
        }
        onBack={back}
      />
    )
  } else if (task) {
    const finished = progress !== null && (progress.completed !== null || progress.released)
    screen = (
      <>
        <TaskScreen
          task={task}
          progress={progress}
          onPickedUp={() => setView('pickup')}
          onComplete={() => setView('complete')}
          onCantDo={() => setView('cantdo')}
          onReport={() => setView('report')}
        />
        {finished ? (
          <NextTask
            busy={crew.busy === 'next'}
            waiting={queue.some((item) => item.taskId === task.id)}
            onNext={() => void actions.nextTask()}
            onEnd={() => setView('end')}
          />
        ) : null}
      </>
    )
  } else {
    screen = (
      <NextTask
        busy={crew.busy === 'next'}
        waiting={false}
        onNext={() => void actions.nextTask()}
        onEnd={() => setView('end')}
        empty
      />
    )
  }

  return (
    <div className="app">
      <header className="bar">
        <span className="crew-name">{crew.me?.crew_name ?? 'Bay Wheels Crew'}</span>
        <span className={`signal ${crew.online ? 'online' : 'offline'}`} role="status">
          {crew.online ? 'Online' : 'No signal'}
        </span>
      </header>
      {crew.notice ? (
        <div className={`notice ${crew.notice.tone} banner`} role="alert">
          <p>{crew.notice.text}</p>
          <button type="button" className="link" onClick={actions.dismiss}>
            OK
          </button>
        </div>
      ) : null}
      <Waiting
        items={queue}
        online={crew.online}
        onRetry={() => void actions.retryQueue()}
        onDrop={(key) => void actions.dropQueued(key)}
        unsent={
          crew.unsentFor
            ? unsentWords(queue.length, crew.unsentFor, crew.signedIn ? crew.me : null)
            : null
        }
        onDropUnsent={() => void actions.dropUnsent()}
      />
      {screen}
    </div>
  )
}

function NextTask({
  busy,
  waiting,
  empty = false,
  onNext,
  onEnd,
}: {
  busy: boolean
  waiting: boolean
  empty?: boolean
  onNext: () => void
  onEnd: () => void
}) {
  return (
    <main className="screen next">
      {empty ? <h1>Ready</h1> : null}
      {empty ? (
        <p className="lead">No task held. Tap Next task for the most useful one nearby.</p>
      ) : null}
      <button className="primary" type="button" disabled={busy || waiting} onClick={onNext}>
        {busy ? 'Asking…' : 'Next task'}
      </button>
      {waiting ? (
        <p className="hint">Next task as soon as this task&apos;s result is sent.</p>
      ) : null}
      <button className="secondary" type="button" onClick={onEnd}>
        End shift
      </button>
    </main>
  )
}
