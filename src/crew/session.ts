import {
  ApiError,
  calls,
  send,
  type Call,
  type ClaimedTask,
  type CrewMe,
  type CrewTask,
  type PairAnswer,
  type ProblemKind,
  type ReleaseReasonCode,
  type Shift,
} from './api'
import { currentPosition, deviceName, whereAndBattery } from './device'
import { openEventStream, type CrewEvent } from './events'
import { Outbox, type OutboxItem } from './outbox'
import { KEYS, newKey, type KeyValue } from './storage'
import { UnsentChanges } from './unsent'
import { noProgress, type CrewState, type Progress } from './state'
import { bikes, describeError, RELEASE_REASONS } from './words'

export type { CrewState, Notice, Progress } from './state'

export const HEARTBEAT_MS = 30_000
const SIGNED_OUT = 'This phone was signed out. Ask the dispatcher for a new pairing code.'

/**
 * The crew app's state and actions, outside React (the view subscribes). Changes the server must
 * get whatever the network does go through the Outbox; the rest (pairing, shifts, the claim)
 * need the network and say so. The device token lives in IndexedDB and in this object, never in
 * the state a screen renders.
 */
export class CrewSession {
  private token: string | null = null
  private state: CrewState = {
    ready: false,
    signedIn: false,
    me: null,
    shift: null,
    task: null,
    progress: null,
    queue: [],
    unsentFor: null,
    online: navigator.onLine,
    notice: null,
    busy: null,
  }
  private readonly listeners = new Set<() => void>()
  private readonly outbox: Outbox
  private readonly unsent: UnsentChanges
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null
  private closeEvents: (() => void) | null = null

  constructor(private readonly store: KeyValue) {
    this.outbox = new Outbox(store, {
      send: (call) => send(call, this.token),
      onChange: (items) => {
        this.update({ queue: [...items] })
        if (items.length === 0) void this.unsent.emptied()
      },
      onSignedOut: () => void this.signOut(SIGNED_OUT),
      onSent: (item) => this.sent(item),
    })
    this.unsent = new UnsentChanges(store, this.outbox, (owner) =>
      this.update({ unsentFor: owner }),
    )
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  snapshot = (): CrewState => this.state

  /** Reads what the last page kept, then asks the server when there is a network. */
  async start(): Promise<void> {
    const [token, me, shift, task, progress] = await Promise.all([
      this.store.get<string>(KEYS.token),
      this.store.get<CrewMe>(KEYS.me),
      this.store.get<Shift>(KEYS.shift),
      this.store.get<CrewTask>(KEYS.task),
      this.store.get<Progress>(KEYS.progress),
    ])
    await this.outbox.load()
    await this.unsent.load(me ?? null, Boolean(token))
    this.token = token ?? null
    this.update({
      ready: true,
      signedIn: Boolean(token),
      me: me ?? null,
      shift: shift ?? null,
      task: task ?? null,
      progress: progress ?? null,
    })
    window.addEventListener('online', () => {
      this.update({ online: true })
      void this.outbox.flush()
      void this.refresh()
      this.connect()
    })
    window.addEventListener('offline', () => this.update({ online: false }))
    this.sync()
    if (this.token) {
      void this.outbox.flush()
      await this.refresh()
    }
  }

  // ---- actions -------------------------------------------------------------------------------

  pair = (code: string) =>
    this.act('pair', async () => {
      const answer = await send<PairAnswer>(
        calls.pair({ code: code.trim().toUpperCase(), device_name: deviceName() }),
        null,
      )
      this.token = answer.token
      await this.store.set(KEYS.token, answer.token)
      this.keep('me', KEYS.me, {
        crew_id: answer.crew_id,
        crew_name: answer.crew_name,
        device_id: answer.device_id,
        van_capacity: null,
      })
      this.update({ signedIn: true })
      await this.unsent.paired(answer.crew_id)
      this.sync()
      await this.refresh()
    })

  startShift = (vanCapacity: number, onBoard: number) =>
    this.act('start', async () => {
      const position = await currentPosition()
      const shift = await this.call<Shift>(
        calls.startShift({
          van_capacity: vanCapacity,
          bikes_on_board: onBoard,
          ...(position ? { lat: position.lat, lon: position.lon } : {}),
        }),
      )
      this.keep('shift', KEYS.shift, shift)
      this.sync()
    })

  nextTask = () =>
    this.act('next', async () => {
      void this.heartbeat()
      const claimed = await this.call<ClaimedTask>(calls.claim(newKey()))
      const { task } = await this.call<{ task: CrewTask | null }>(calls.task())
      this.keep('task', KEYS.task, task)
      if (this.state.progress?.taskId !== claimed.id) {
        this.keep('progress', KEYS.progress, noProgress(claimed.id))
      }
    })

  pickedUp = async (task: CrewTask, qty: number) => {
    this.keep('progress', KEYS.progress, { ...this.progressOf(task.id), picked: qty })
    await this.queue(
      'pickup',
      calls.pickup(task.id, qty),
      `Picked up: ${bikes(qty)} at ${task.from.name}`,
      task.id,
    )
  }

  complete = async (task: CrewTask, qty: number) => {
    this.keep('progress', KEYS.progress, { ...this.progressOf(task.id), completed: qty })
    await this.queue(
      'complete',
      calls.complete(task.id, qty),
      `Complete: ${bikes(qty)} left at ${task.to.name}`,
      task.id,
    )
  }

  cantDo = async (task: CrewTask, code: ReleaseReasonCode, note: string) => {
    const label = RELEASE_REASONS.find((reason) => reason.code === code)?.label ?? 'Other'
    const reason = note.trim() ? `${label}: ${note.trim()}` : label
    this.keep('progress', KEYS.progress, { ...this.progressOf(task.id), released: true })
    await this.queue(
      'release',
      calls.release(task.id, reason, code),
      `Can't do: ${reason}`,
      task.id,
    )
  }

  report = async (
    station: { station_id: string; name: string },
    kind: ProblemKind,
    note: string,
    photo: string | null,
    label: string,
  ) => {
    const body = {
      station_id: station.station_id,
      kind,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(photo ? { photo } : {}),
    }
    await this.queue(
      'problem',
      calls.problem(body),
      `Problem at ${station.name}: ${label}${photo ? ' (with photo)' : ''}`,
      null,
    )
    this.update({
      notice: { tone: 'info', text: 'Problem report saved. It is sent when there is signal.' },
    })
  }

  endShift = (onBoard: number) =>
    this.act('end', async () => {
      void this.heartbeat()
      const ended = await this.call<Shift>(calls.endShift(onBoard))
      this.keep('shift', KEYS.shift, null)
      this.sync()
      const moved = ended.bikes_moved ? `: ${bikes(ended.bikes_moved)} moved` : ''
      this.update({ notice: { tone: 'info', text: `Shift ended${moved}. Thank you.` } })
    })

  retryQueue = () => this.outbox.retry()
  dropQueued = (key: string) => this.outbox.discard(key)
  dropUnsent = () => this.unsent.drop()
  dismiss = () => this.update({ notice: null })

  // ---- the server's side ---------------------------------------------------------------------

  /** Who the phone is, its shift and its task, as the server has them (kept when offline). */
  async refresh(): Promise<void> {
    if (!this.token) return
    try {
      const me = await this.call<CrewMe>(calls.me())
      this.keep('me', KEYS.me, me)
      if (me.shift !== undefined) this.keep('shift', KEYS.shift, me.shift)
      const { task } = await this.call<{ task: CrewTask | null }>(calls.task())
      const mine = this.state.progress
      const waiting = this.state.queue.some((item) => item.taskId === mine?.taskId)
      // A result still waiting to be sent keeps its task on screen, whatever the server says.
      if (!(mine && waiting && task?.id !== mine.taskId)) this.keep('task', KEYS.task, task)
      if (mine && task?.id !== mine.taskId && !waiting) this.keep('progress', KEYS.progress, null)
      this.sync()
    } catch {
      // Offline or refused: what is kept on the phone stays on screen.
    }
  }

  private sent(item: OutboxItem): void {
    const held = this.state.progress
    if (!held || item.taskId !== held.taskId) return
    if (item.kind !== 'complete' && item.kind !== 'release') return
    this.keep('progress', KEYS.progress, null)
    this.keep('task', KEYS.task, null)
    const text =
      item.kind === 'complete'
        ? `Sent: task done, ${bikes(held.completed ?? 0)} moved. Tap Next task.`
        : 'Sent: the task was given back. Tap Next task.'
    this.update({ notice: { tone: 'info', text } })
  }

  private onEvent(event: CrewEvent): void {
    if (event.type !== 'task') {
      void this.refresh()
      return
    }
    const { data } = event
    if (data.change !== 'canceled') {
      void this.refresh()
      return
    }
    if (data.id === this.state.progress?.taskId) {
      for (const item of this.state.queue) {
        if (item.taskId === data.id && item.kind !== 'problem') void this.outbox.discard(item.key)
      }
      this.keep('progress', KEYS.progress, null)
    }
    if (this.state.task?.id === data.id) this.keep('task', KEYS.task, null)
    const why = data.reason ? `: ${data.reason}` : ''
    this.update({
      notice: {
        tone: 'warning',
        text: `The dispatcher canceled task ${data.id}${why}. Do not move those bikes.`,
      },
    })
  }

  /** Heartbeats every 30 s and the event stream run while the phone is paired and on shift. */
  private sync(): void {
    const on =
      this.token !== null && this.state.shift !== null && this.state.shift.ended_at === null
    if (on && this.heartbeatTimer === null) {
      void this.heartbeat()
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS)
    } else if (!on && this.heartbeatTimer !== null) {
      clearInterval(this.heartbeatTimer)
      this.heartbeatTimer = null
    }
    this.connect()
  }

  private connect(): void {
    if (this.token === null) {
      this.closeEvents?.()
      this.closeEvents = null
      return
    }
    if (this.closeEvents !== null) return
    this.closeEvents = openEventStream({
      token: this.token,
      onEvent: (event) => this.onEvent(event),
      onSignedOut: () => void this.signOut(SIGNED_OUT),
    })
  }

  async heartbeat(): Promise<void> {
    if (!this.token || !navigator.onLine) return
    const body = await whereAndBattery()
    await send(calls.heartbeat(body), this.token).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) void this.signOut(SIGNED_OUT)
    })
  }

  /** Forgets the token and what the server said; what waits to be sent is kept (unsent.ts). */
  async signOut(text: string | null): Promise<void> {
    this.token = null
    await this.unsent.signedOut(this.state.me)
    await Promise.all(
      [KEYS.token, KEYS.me, KEYS.shift, KEYS.task, KEYS.progress].map((key) => this.store.del(key)),
    )
    this.update({
      signedIn: false,
      me: null,
      shift: null,
      task: null,
      progress: null,
      notice: text ? { tone: 'error', text } : null,
    })
    this.sync()
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private async queue(
    kind: OutboxItem['kind'],
    call: Call,
    label: string,
    taskId: number | null,
  ): Promise<void> {
    await this.outbox.add(kind, call, label, taskId)
    void this.heartbeat()
  }

  /** A call that needs the network now; a 401 signs the phone out. */
  private async call<T>(call: Call): Promise<T> {
    try {
      return await send<T>(call, this.token)
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) await this.signOut(SIGNED_OUT)
      throw error
    }
  }

  /** Runs an action that needs the network, with its error in words on the screen. */
  private async act(name: string, work: () => Promise<void>): Promise<void> {
    this.update({ busy: name, notice: null })
    try {
      await work()
    } catch (error) {
      if (this.state.signedIn || name === 'pair') {
        this.update({ notice: { tone: 'error', text: describeError(error) } })
      }
    } finally {
      this.update({ busy: null })
    }
  }

  private progressOf(taskId: number): Progress {
    const held = this.state.progress
    return held?.taskId === taskId ? held : noProgress(taskId)
  }

  private keep<K extends 'me' | 'shift' | 'task' | 'progress'>(
    field: K,
    key: string,
    value: CrewState[K],
  ): void {
    this.update({ [field]: value })
    void (value === null ? this.store.del(key) : this.store.set(key, value))
  }

  private update(change: Partial<CrewState>): void {
    this.state = { ...this.state, ...change }
    for (const listener of this.listeners) listener()
  }
}
