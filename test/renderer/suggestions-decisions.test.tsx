import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Suggestion } from '../../src/shared/dispatch'
import { ApiError } from '../../src/renderer/src/api/client'
import {
  openSuggestions,
  SuggestionsView,
} from '../../src/renderer/src/suggestions/SuggestionsView'
import { DISPATCHER, fakeConsole, station, STATIONS, suggestion, task } from './fake-console'

// Issue 16: the numbers when proposed beside the live ones, live updates, reject with a reason,
// undo, and a refused approval's "Approve N instead".

beforeAll(() => {
  Element.prototype.scrollIntoView = () => undefined
})
afterEach(cleanup)

function view(answers: Parameters<typeof fakeConsole>[0]) {
  const fake = fakeConsole(answers)
  render(
    <SuggestionsView
      client={fake.client}
      session={DISPATCHER}
      timeZone="America/Los_Angeles"
      keysEnabled
    />,
  )
  return fake
}

describe('Suggestions: what was seen and what is now', () => {
  it('labels the numbers the engine saw "when proposed" and the live ones "now"', async () => {
    // B was full when proposed (0 free docks); now it has 8 of 31.
    const fake = view({
      'suggestions:list': () => [
        suggestion(1, {
          from_bikes: 31,
          from_docks: 0,
          reason: 'Townsend St at 7th St was full when proposed (0 free docks)',
        }),
      ],
      'feeds:stations': () => [
        station('B', 'Townsend St at 7th St', 8, 23),
        ...STATIONS.filter((s) => s.stationId !== 'B'),
      ],
    })
    const row = (await screen.findAllByRole('row'))[1] as HTMLElement
    const from = within(row).getByText('From').parentElement as HTMLElement
    expect(from.textContent).toContain('when proposed31 bikes · 0 free docks')
    expect(from.textContent).toMatch(/now8\/31.*23 free docks/)
    const to = within(row).getByText('To').parentElement as HTMLElement
    expect(to.textContent).toContain('when proposed0 bikes · 19 free docks')
    expect(row.textContent).toContain('as proposed 4 min ago')
    expect(fake.calls('suggestions:list')).toEqual([{ status: 'open' }])
  })

  it('says "not known" where no status was known when proposed', async () => {
    view({ 'suggestions:list': () => [suggestion(1, { from_bikes: null, from_docks: null })] })
    const row = (await screen.findAllByRole('row'))[1] as HTMLElement
    expect(within(row).getByText('From').parentElement?.textContent).toContain(
      'when proposednot known',
    )
  })

  it('changes without a reload when the engine runs or another desk decides', async () => {
    let open: Suggestion[] = [suggestion(1, { value: 5 })]
    const fake = view({ 'suggestions:list': () => open })
    await screen.findByRole('button', { name: 'Approve suggestion 1' })
    open = [suggestion(7, { value: 9 })]
    fake.push('suggestions:changed', { system_id: 'bay_wheels' })
    expect(await screen.findByRole('button', { name: 'Approve suggestion 7' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Approve suggestion 1' })).toBeNull()
  })

  it('reads every page of a long list, after the last id of the one before', async () => {
    const many = Array.from({ length: 1_003 }, (_, i) => suggestion(i + 1, { value: i % 50 }))
    const fake = fakeConsole({
      'suggestions:list': ({ cursor }) => {
        const after = Number(cursor ?? 0)
        return many.filter((item) => item.id > after).slice(0, 1_000)
      },
    })
    const all = await openSuggestions(fake.client)
    expect(all).toHaveLength(1_003)
    expect(all[0]?.value).toBe(49)
    expect(fake.calls('suggestions:list')).toEqual([
      { status: 'open' },
      { status: 'open', cursor: '1000' },
    ])
  })
})

describe('Suggestions: deciding, and taking it back', () => {
  it('asks an optional reason to reject, sends it, and Undo opens the suggestion again', async () => {
    let open = [suggestion(1), suggestion(2, { value: 10 })]
    const fake = view({
      'suggestions:list': () => open,
      'suggestions:reject': ({ suggestion_id }) => {
        open = open.filter((item) => item.id !== suggestion_id)
        return suggestion(suggestion_id, { status: 'rejected' })
      },
      'suggestions:undo': ({ suggestion_id }) => {
        open = [...open, suggestion(suggestion_id)]
        return suggestion(suggestion_id)
      },
    })
    fireEvent.click(await screen.findByRole('button', { name: 'Reject suggestion 1' }))
    const why = screen.getByRole('textbox', { name: 'Why reject suggestion 1 (optional)' })
    fireEvent.change(why, { target: { value: 'crew already there' } })
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }))
    const status = await screen.findByRole('status')
    expect(status.textContent).toContain('Suggestion #1 rejected: crew already there.')
    expect(fake.calls('suggestions:reject')).toEqual([
      { suggestion_id: 1, note: 'crew already there' },
    ])
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Approve suggestion 1' })).toBeNull(),
    )
    fireEvent.click(within(status).getByRole('button', { name: 'Undo' }))
    expect(await screen.findByRole('button', { name: 'Approve suggestion 1' })).toBeTruthy()
    expect(fake.calls('suggestions:undo')).toEqual([{ suggestion_id: 1 }])
    expect((await screen.findByRole('status')).textContent).toContain(
      'Undone: suggestion #1 is open again.',
    )
  })

  it('Esc leaves the reject question without rejecting', async () => {
    const fake = view({ 'suggestions:list': () => [suggestion(1)] })
    await screen.findByRole('button', { name: 'Approve suggestion 1' })
    // The view's keys are set in an effect after the row shows: press until it asks.
    await waitFor(() => {
      fireEvent.keyDown(window, { key: 'r' })
      expect(screen.getByRole('textbox', { name: /Why reject suggestion 1/ })).toBeTruthy()
    })
    const why = screen.getByRole('textbox', { name: /Why reject suggestion 1/ })
    fireEvent.keyDown(why, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('textbox')).toBeNull())
    expect(fake.calls('suggestions:reject')).toEqual([])
  })

  it('undoes a keyboard approval with u', async () => {
    let open = [suggestion(3)]
    const fake = view({
      'suggestions:list': () => open,
      'tasks:approve': ({ suggestion_id }) => {
        open = []
        return task(40, { suggestion_id })
      },
      'suggestions:undo': ({ suggestion_id }) => {
        open = [suggestion(suggestion_id)]
        return suggestion(suggestion_id)
      },
    })
    await screen.findByRole('button', { name: 'Approve suggestion 3' })
    fireEvent.keyDown(window, { key: 'a' })
    expect((await screen.findByRole('status')).textContent).toContain(
      'Suggestion #3 approved: task #40 is ready for a crew.',
    )
    await waitFor(() => {
      if (fake.calls('suggestions:undo').length === 0) fireEvent.keyDown(window, { key: 'u' })
      expect(fake.calls('suggestions:undo')).toEqual([{ suggestion_id: 3 }])
    })
    expect(await screen.findByRole('button', { name: 'Approve suggestion 3' })).toBeTruthy()
  })

  it('shows a refusal that names what still fits, and approves that many instead', async () => {
    const fake = view({
      'suggestions:list': () => [suggestion(4, { qty: 14 })],
      'tasks:approve': ({ suggestion_id, qty }) => {
        if (qty === undefined) {
          throw new ApiError(
            'Townsend St at 7th St has 5 bikes now: 5 of the 14 still fit',
            409,
            'move_does_not_fit',
            { detail: '…', code: 'move_does_not_fit', fits_qty: 5 },
          )
        }
        return task(41, { suggestion_id, qty })
      },
    })
    fireEvent.click(await screen.findByRole('button', { name: 'Approve suggestion 4' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('5 of the 14 still fit')
    fireEvent.click(within(alert).getByRole('button', { name: 'Approve 5 instead' }))
    expect((await screen.findByRole('status')).textContent).toContain(
      'Suggestion #4 approved with 5 bikes: task #41 is ready for a crew.',
    )
    expect(fake.calls('tasks:approve')).toEqual([
      { suggestion_id: 4 },
      { suggestion_id: 4, qty: 5 },
    ])
  })
})
