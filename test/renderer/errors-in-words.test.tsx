import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { inWordsBridge } from '../../src/renderer/src/api/client'
import { inWords } from '../../src/renderer/src/api/error-words'
import { createHttpClient } from '../../src/renderer/src/api/http-client'
import { ViewBoundary } from '../../src/renderer/src/common/ViewBoundary'
import type { ConsoleBridge } from '../../src/shared/contract'

afterEach(cleanup)

describe('inWords: a validation message as a person reads it', () => {
  it.each([
    ['body.van_capacity: must be number, received null', 'Van capacity must be a number'],
    ['body.quantity: is required', 'Quantity is required'],
    ['query.limit: must be int, received number', 'Limit must be a whole number'],
    ['body.quantity: Too small: expected number to be >=1', 'Quantity must be at least 1'],
    [
      'body.name: Too big: expected string to have <=64 characters',
      'Name must be at most 64 characters',
    ],
    ['body.name: Too small: expected string to have >=1 characters', 'Name is required'],
    [
      'body.status: Invalid option: expected one of "ready"|"assigned"',
      'Status must be one of ready, assigned',
    ],
    ['body.feeds.0.url: Invalid URL', 'Feeds 1 URL is not a valid URL'],
    ['params.systemId: must be string, received number', 'System ID must be text'],
    ['body: unknown field extra', 'Unknown field: extra'],
    ['body: must be object, received null', 'The request must be a set of fields'],
    [
      'settings:save: input.leaseMinutes: must be number, received string; input.port: is required; and 2 more',
      'Lease minutes must be a number; Port is required; and 2 more',
    ],
    [
      'body.worker_id: must be 1-64 letters, digits, dots, dashes or underscores',
      'Worker ID must be 1-64 letters, digits, dots, dashes or underscores',
    ],
  ])('%s', (raw, words) => {
    expect(inWords(raw)).toBe(words)
  })

  it('leaves every other message as it came', () => {
    for (const detail of [
      'suggestion 44 was already superseded by engine',
      'the dispatch server at http://x did not answer: fetch failed',
      'station 12: only 5 bikes; body.x: is required',
    ]) {
      expect(inWords(detail)).toBe(detail)
    }
  })
})

describe('both clients give errors in words', () => {
  it('over HTTP', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(
        Response.json(
          { detail: 'body.van_capacity: must be number, received null', code: 'invalid_request' },
          { status: 400 },
        ),
      ),
    )
    const client = createHttpClient('http://depot', { fetch })
    await expect(client.invoke('tasks:cancel', { task_id: 3 })).rejects.toMatchObject({
      message: 'Van capacity must be a number',
      status: 400,
    })
  })

  it("over the desktop's bridge", async () => {
    const bridge: ConsoleBridge = {
      invoke: () => Promise.reject(new Error('tasks:cancel: input.task_id: is required')),
      on: () => () => undefined,
    }
    await expect(inWordsBridge(bridge).invoke('tasks:cancel', {} as never)).rejects.toThrow(
      /^Task ID is required$/,
    )
  })
})

function Broken(): never {
  throw new Error('cannot read properties of undefined (reading getCenter)')
}

describe('a view that throws', () => {
  it('shows what happened and a Reload, not a blank window', () => {
    const reload = vi.fn()
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    render(
      <main>
        <ViewBoundary name="Map" onReload={reload}>
          <Broken />
        </ViewBoundary>
      </main>,
    )
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('The Map view stopped working')
    expect(alert.textContent).toContain('reading getCenter')
    fireEvent.click(screen.getByRole('button', { name: 'Reload' }))
    expect(reload).toHaveBeenCalledTimes(1)
    vi.restoreAllMocks()
  })
})
