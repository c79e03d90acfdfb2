import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Suggestion } from '../../src/shared/dispatch'
import type { EngineRunSummary } from '../../src/shared/engine'
import { SuggestionsView } from '../../src/renderer/src/suggestions/SuggestionsView'
import { ANALYST, DISPATCHER, fakeConsole, suggestion } from './fake-console'

beforeAll(() => {
  Element.prototype.scrollIntoView = () => undefined
})
afterEach(cleanup)

function summary(created: Suggestion[], extra: Partial<EngineRunSummary> = {}): EngineRunSummary {
  return {
    system_id: 'bay',
    source: 'engine',
    model_version: 3,
    model_fitted: false,
    stations: 5,
    horizon_minutes: 180,
    created: created.length,
    superseded: 1,
    duration_ms: 420,
    started_at: new Date().toISOString(),
    note: null,
    suggestions: created,
    ...extra,
  }
}

describe('Suggestions: running the engine on demand', () => {
  it('runs the engine, says what it did and shows the new suggestions', async () => {
    let open: Suggestion[] = [suggestion(1, { value: 2 })]
    const runs: unknown[] = []
    const fake = fakeConsole({
      'suggestions:list': () => open,
      'suggestions:run': (request) => {
        runs.push(request)
        open = [suggestion(2, { value: 4.1, reason: 'A empties in ~35 min' })]
        return summary(open)
      },
    })
    render(
      <SuggestionsView
        client={fake.client}
        session={DISPATCHER}
        timeZone="America/Los_Angeles"
        keysEnabled
      />,
    )
    await screen.findByRole('button', { name: 'Approve suggestion 1' })
    fireEvent.click(screen.getByRole('button', { name: 'Run engine' }))
    expect((await screen.findByRole('status')).textContent).toBe(
      'Engine run: 1 suggestion made, 1 superseded in 0.4 s (demand model v3).Dismiss',
    )
    expect(runs).toEqual([{}])
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Approve suggestion 1' })).toBeNull(),
    )
    expect(await screen.findByRole('button', { name: 'Approve suggestion 2' })).toBeTruthy()
  })

  it('says why nothing was suggested, and shows a failure in words', async () => {
    let fail = false
    const fake = fakeConsole({
      'suggestions:run': () => {
        if (fail) throw new Error('no stations are known yet')
        return summary([], { model_version: null, superseded: 0, note: 'no trips imported' })
      },
    })
    render(
      <SuggestionsView
        client={fake.client}
        session={DISPATCHER}
        timeZone="America/Los_Angeles"
        keysEnabled
      />,
    )
    fireEvent.click(await screen.findByRole('button', { name: 'Run engine' }))
    expect((await screen.findByRole('status')).textContent).toContain(
      '0 suggestions made, 0 superseded in 0.4 s. no trips imported',
    )
    fail = true
    fireEvent.click(screen.getByRole('button', { name: 'Run engine' }))
    expect((await screen.findByRole('alert')).textContent).toContain('no stations are known yet')
  })

  it('is not offered to analysts', async () => {
    const fake = fakeConsole({ 'suggestions:list': () => [suggestion(1)] })
    render(
      <SuggestionsView
        client={fake.client}
        session={ANALYST}
        timeZone="America/Los_Angeles"
        keysEnabled
      />,
    )
    await screen.findByText('A is empty, B is nearly full')
    expect(screen.queryByRole('button', { name: 'Run engine' })).toBeNull()
  })
})
