import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { crewSources } from '../../src/renderer/src/crews/crew-sources'
import { ProblemsView } from '../../src/renderer/src/problems/ProblemsView'
import type { Problem } from '../../src/shared/crew-work'
import { device, pairing, problem, release } from './crew-fixtures'
import { DISPATCHER, fakeConsole } from './fake-console'

afterEach(() => {
  cleanup()
})

// crewSources is where the console's crew views meet the operations: each source calls its
// operation through the client (IPC in the desktop, HTTP in a browser), with the input declared.

describe('the crew sources, wired to the console operations', () => {
  it('makes a pairing, lists and revokes devices, and gathers the releases of many tasks', async () => {
    const made = pairing()
    const revoked = device(5, 'van-3', { revoked_at: new Date().toISOString() })
    const { client, calls } = fakeConsole({
      'pairings:create': () => made,
      'devices:list': () => [device(4, 'van-3'), device(5, 'van-3')],
      'devices:revoke': () => revoked,
      'tasks:releases': ({ task_id }) =>
        task_id === 1 ? [release(1)] : [release(2), release(2, { crew_id: 'van-9' })],
    })
    const sources = crewSources(client)
    expect(await sources.pairing?.create('van-3')).toBe(made)
    expect(calls('pairings:create')).toEqual([{ crew_id: 'van-3' }])
    expect((await sources.devices?.list())?.map((d) => d.device_id)).toEqual([4, 5])
    expect(await sources.devices?.revoke(5)).toBe(revoked)
    expect(calls('devices:revoke')).toEqual([{ device_id: 5 }])
    const releases = await sources.releases?.forTasks([1, 2])
    expect(releases?.map((r) => [r.task_id, r.crew_id])).toEqual([
      [1, 'van-3'],
      [2, 'van-3'],
      [2, 'van-9'],
    ])
    expect(calls('tasks:releases')).toEqual([{ task_id: 1 }, { task_id: 2 }])
  })

  it('lists problems with their photo thumbnails, resolves one with its note, and reloads on problems:changed and resync', async () => {
    const open: Problem[] = [problem(7, { has_photo: true })]
    const photoUrl = (id: number) => `data:image/png;base64,${btoa(`photo ${id}`)}`
    const { client, calls, push } = fakeConsole({
      'problems:photoData': ({ problem_id }) => ({
        problem_id,
        content_type: 'image/png',
        data_url: photoUrl(problem_id),
      }),
      'problems:list': () => open.filter((p) => p.resolved_at === null),
      'problems:resolve': ({ problem_id, note }) => {
        const found = open.find((p) => p.problem_id === problem_id)
        if (!found) throw new Error(`no problem ${problem_id}`)
        Object.assign(found, {
          resolved_at: new Date().toISOString(),
          resolved_by: 'console',
          resolution_note: note ?? null,
        })
        return found
      },
    })
    render(
      <ProblemsView
        client={client}
        session={DISPATCHER}
        timeZone={null}
        keysEnabled
        sources={crewSources(client)}
      />,
    )
    const item = await screen.findByRole('listitem', {
      name: 'Problem 7: Broken docks at Townsend St at 7th St',
    })
    expect(calls('problems:list')).toEqual([{ status: 'open' }])
    // Its photo, read through problems:photoData (JSON, so IPC carries it), as a data: URL.
    const thumb = await within(item).findByRole('button', { name: /^Open the photo/ })
    expect(thumb.querySelector('img')?.getAttribute('src')).toBe(photoUrl(7))
    expect(calls('problems:photoData')).toEqual([{ problem_id: 7 }])

    fireEvent.click(within(item).getByRole('button', { name: /^Resolve:/ }))
    fireEvent.change(within(item).getByLabelText('Note (optional)'), {
      target: { value: 'Docks repaired' },
    })
    fireEvent.click(within(item).getByRole('button', { name: 'Mark resolved' }))
    expect((await within(item).findByRole('status')).textContent).toMatch(
      /^Resolved by console, .*: Docks repaired$/,
    )
    expect(calls('problems:resolve')).toEqual([{ problem_id: 7, note: 'Docks repaired' }])

    // A crew reports one: the live event reloads the list.
    open.push(problem(8, { kind: 'vandalism', note: 'Kiosk screen smashed' }))
    const before = calls('problems:list').length
    push('problems:changed', {
      problem_id: 8,
      station_id: 'B',
      kind: 'vandalism',
      event: 'reported',
    })
    expect(await screen.findByText('“Kiosk screen smashed”')).toBeTruthy()
    expect(calls('problems:list').length).toBe(before + 1)
    // A lost connection came back: changes may have been missed, so it loads again.
    push('app:resync', { at: new Date().toISOString() })
    expect(calls('problems:list').length).toBe(before + 2)
  })
})
