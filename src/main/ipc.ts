import {
  CHANNELS,
  isChannel,
  type Channel,
  type ConsoleApi,
  type ConsoleEvents,
  type ErrorExtra,
  type EventName,
  type IpcFailure,
  type IpcResult,
} from '../shared/contract.js'
import { describeError, errorBody, errorCode, ServiceError } from '../server/errors.js'
import { describeIssues } from '../server/http/api-router.js'
import { OPERATION_BY_NAME } from '../shared/operations/index.js'

/** One function per channel of the contract: the compiler refuses a map that misses one. */
export type Handlers = {
  [C in Channel]: (request: ConsoleApi[C]['request']) => Promise<ConsoleApi[C]['response']>
}

/** The part of Electron's `ipcMain` this module uses, so tests can pass a fake. */
export interface IpcMainLike<Event = unknown> {
  handle(channel: string, listener: (event: Event, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/** The part of Electron's `WebContents` that events are sent through. */
export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
}

export interface RegisterOptions<Event> {
  /** Refuses calls that do not come from the console's own page (an iframe, a stray window). */
  trustSender?: (event: Event) => boolean
  /** Told about every handler that threw, since the renderer only sees the error's words. */
  onError?: (channel: Channel, error: unknown) => void
}

/** `domain:verb`, as the contract names channels. */
const CHANNEL_NAME = /^[a-z][a-z-]*:[a-z][a-zA-Z]*$/

function failure(code: string, detail: string, extra: ErrorExtra = {}): IpcFailure {
  return { ok: false, error: { code, detail, ...extra } }
}

async function dispatch<C extends Channel, Event>(
  channel: C,
  handler: Handlers[C],
  event: Event,
  args: unknown[],
  options: RegisterOptions<Event>,
): Promise<IpcResult<ConsoleApi[C]['response']>> {
  if (options.trustSender && !options.trustSender(event)) {
    return failure('forbidden', `${channel} answers only the console's own window`)
  }
  if (args.length > 1) return failure('bad_request', `${channel} takes at most one argument`)
  // What the declaration's input allows: a compromised page hands a service nothing else.
  const input = OPERATION_BY_NAME.get(channel)?.input
  if (!input) return failure('bad_request', `${channel} is not an operation`)
  const parsed = input.safeParse(args[0])
  if (!parsed.success) {
    // The words HTTP gives ("input.quantity: must be number"), which the console puts in words.
    return failure('bad_request', `${channel}: ${describeIssues('input', parsed.error)}`)
  }
  try {
    return { ok: true, value: await handler(parsed.data as ConsoleApi[C]['request']) }
  } catch (error) {
    options.onError?.(channel, error)
    if (error instanceof ServiceError) return { ok: false, error: errorBody(error) }
    return failure(errorCode(error), describeError(error))
  }
}

const registered = new WeakMap<object, Set<string>>()

/**
 * Registers one handler per channel, each answering an `IpcResult`: Electron turns a thrown error
 * into "Error invoking remote method ..." and drops its fields, so failures travel as data.
 * Returns a function that removes them again.
 */
export function registerHandlers<Event>(
  ipcMain: IpcMainLike<Event>,
  handlers: Handlers,
  options: RegisterOptions<Event> = {},
): () => void {
  for (const name of Object.keys(handlers)) {
    if (!isChannel(name) || !CHANNEL_NAME.test(name)) {
      throw new Error(`refusing to register '${name}': it is not a channel of the contract`)
    }
  }
  const taken = registered.get(ipcMain) ?? new Set<string>()
  for (const channel of CHANNELS) {
    if (typeof (handlers as Partial<Handlers>)[channel] !== 'function') {
      throw new Error(`no handler for '${channel}'`)
    }
    if (taken.has(channel)) throw new Error(`a handler for '${channel}' is already registered`)
  }
  registered.set(ipcMain, taken)
  for (const channel of CHANNELS) {
    const handler = handlers[channel]
    ipcMain.handle(channel, (event, ...args) => dispatch(channel, handler, event, args, options))
    taken.add(channel)
  }
  return () => {
    for (const channel of CHANNELS) {
      ipcMain.removeHandler(channel)
      taken.delete(channel)
    }
  }
}

/** Sends one contract event to one window; a window closing meanwhile is not an error. */
export function sendEvent<E extends EventName>(
  target: WebContentsLike,
  event: E,
  payload: ConsoleEvents[E],
): void {
  if (!target.isDestroyed()) target.send(event, payload)
}

export function broadcast<E extends EventName>(
  targets: Iterable<WebContentsLike>,
  event: E,
  payload: ConsoleEvents[E],
): void {
  for (const target of targets) sendEvent(target, event, payload)
}
