import { useCallback, useEffect, useState } from 'react'
import type { Suggestion } from '../../../shared/dispatch'
import { ApiError, fitsQtyOf, type ConsoleClient } from '../api/client'
import { messageOf, plural } from '../common/format'

/** How long a decision's Undo is offered (the server allows 2 minutes: time for the answer). */
export const UNDO_MS = 10_000

/** What the last action did, in words, and what can follow it. */
export interface Toast {
  tone: 'ok' | 'error'
  text: string
  /** The decision this toast tells of can be undone (button or `u`) until the toast goes. */
  undo?: number
  /** An approval refused because the live numbers no longer fit: this many bikes still do. */
  fits?: { suggestion: Suggestion; qty: number }
}

export interface Decisions {
  toast: Toast | null
  dismiss: () => void
  /** Suggestions with a request under way: their buttons wait. */
  busy: ReadonlySet<number>
  approve: (item: Suggestion, qty?: number) => Promise<void>
  reject: (item: Suggestion, note: string) => Promise<void>
  approveBatch: (ids: number[]) => Promise<boolean>
  undo: () => Promise<void>
}

/**
 * Approve, reject, approve a batch and undo, with one toast saying what happened. A refusal
 * with `move_does_not_fit` (the live numbers no longer allow the quantity) carries the quantity
 * that still fits (`fits_qty`), which the toast offers to approve instead. `changed` reloads
 * the list after every answer (the live event would, a moment later).
 */
export function useDecisions(client: ConsoleClient, changed: () => void): Decisions {
  const [toast, setToast] = useState<Toast | null>(null)
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set())

  // An Undo is offered for a few seconds; after that the toast goes with it.
  useEffect(() => {
    if (toast?.undo === undefined) return
    const timer = setTimeout(() => setToast((now) => (now === toast ? null : now)), UNDO_MS)
    return () => clearTimeout(timer)
  }, [toast])

  const act = useCallback(
    async (ids: number[], work: () => Promise<Toast>, item?: Suggestion): Promise<boolean> => {
      setBusy((was) => new Set([...was, ...ids]))
      try {
        setToast(await work())
        return true
      } catch (error) {
        const fits = fitsQtyOf(error)
        const refusedFit =
          error instanceof ApiError && error.code === 'move_does_not_fit' && fits !== null
        setToast({
          tone: 'error',
          text: messageOf(error),
          ...(refusedFit && item && fits > 0 ? { fits: { suggestion: item, qty: fits } } : {}),
        })
        return false
      } finally {
        setBusy((was) => new Set([...was].filter((id) => !ids.includes(id))))
        changed()
      }
    },
    [changed],
  )

  const approve = useCallback(
    async (item: Suggestion, qty?: number) => {
      await act(
        [item.id],
        async () => {
          const task = await client.invoke('tasks:approve', {
            suggestion_id: item.id,
            ...(qty === undefined ? {} : { qty }),
          })
          const fewer = task.qty !== item.qty ? ` with ${plural(task.qty, 'bike')}` : ''
          return {
            tone: 'ok',
            text: `Suggestion #${item.id} approved${fewer}: task #${task.id} is ready for a crew.`,
            undo: item.id,
          }
        },
        item,
      )
    },
    [act, client],
  )

  const reject = useCallback(
    async (item: Suggestion, note: string) => {
      const reason = note.trim()
      await act([item.id], async () => {
        await client.invoke('suggestions:reject', {
          suggestion_id: item.id,
          ...(reason ? { note: reason } : {}),
        })
        return {
          tone: 'ok',
          text: `Suggestion #${item.id} rejected${reason ? `: ${reason}` : ''}.`,
          undo: item.id,
        }
      })
    },
    [act, client],
  )

  const approveBatch = useCallback(
    (ids: number[]) =>
      act(ids, async () => {
        const tasks = await client.invoke('tasks:approveBatch', { suggestion_ids: ids })
        return {
          tone: 'ok',
          text: `${plural(tasks.length, 'suggestion')} approved into ${plural(tasks.length, 'task')}.`,
        }
      }),
    [act, client],
  )

  const undo = useCallback(async () => {
    const id = toast?.undo
    if (id === undefined) return
    await act([id], async () => {
      await client.invoke('suggestions:undo', { suggestion_id: id })
      return { tone: 'ok', text: `Undone: suggestion #${id} is open again.` }
    })
  }, [act, client, toast])

  return { toast, dismiss: () => setToast(null), busy, approve, reject, approveBatch, undo }
}
