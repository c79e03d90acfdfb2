import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSignInLinks,
  FIRST_DISPATCHER_NAME,
  signInLink,
  signInLinkText,
} from '../../src/server/auth/sign-in-link.js'
import { hashToken } from '../../src/server/auth/tokens.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi

beforeAll(async () => {
  database = await createTestDatabase()
  api = await startApi(database)
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function signIn(code: string) {
  return api.call('POST', '/session/sign-in', { body: { code } })
}

async function dispatcherTokens() {
  return database.db
    .selectFrom('api_tokens')
    .select(['token_id', 'name', 'token_hash', 'revoked_at'])
    .where('role', '=', 'dispatcher')
    .execute()
}

describe("serve's one-time sign-in link", () => {
  it('is the console address with the code in its fragment, never in the request', () => {
    expect(signInLink('http://127.0.0.1:8000', 'abcdefghijklmnopqrstuv')).toBe(
      'http://127.0.0.1:8000/console/#sign-in=abcdefghijklmnopqrstuv',
    )
    expect(signInLinkText('http://127.0.0.1:8000/', 'abcdefghijklmnopqrstuv')).toContain(
      '\n  http://127.0.0.1:8000/console/#sign-in=abcdefghijklmnopqrstuv\n',
    )
  })

  it('refuses a code nobody issued, and answers a malformed one naming the field', async () => {
    const unknown = await signIn('AAAAAAAAAAAAAAAAAAAAAA')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ code: 'sign_in_code_unknown' })
    const malformed = await signIn('short')
    expect(malformed.status).toBe(400)
    expect(malformed.body).toMatchObject({ detail: expect.stringContaining('body.code') })
    expect(await dispatcherTokens()).toEqual([])
  })

  it('trades its code once for a new dispatcher token, stored only as its digest', async () => {
    const code = await api.services.signIn.issue()
    expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/)

    const first = await signIn(code ?? '')
    expect(first.status).toBe(201)
    expect(first.headers.get('cache-control')).toBe('no-store')
    const { token, info } = first.body as { token: string; info: { name: string; role: string } }
    expect(info).toMatchObject({ name: FIRST_DISPATCHER_NAME, role: 'dispatcher' })

    const stored = await dispatcherTokens()
    expect(stored).toHaveLength(1)
    expect(Buffer.from(stored[0]?.token_hash ?? '')).toEqual(hashToken(token))
    const me = await api.call('GET', '/me', { token })
    expect(me.body).toMatchObject({ name: FIRST_DISPATCHER_NAME, role: 'dispatcher' })
    const audit = await database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('action', '=', 'token.create')
      .execute()
    expect(audit).toEqual([{ actor: 'sign-in link', action: 'token.create' }])

    // Used: a second click (or a copy of the link) is told so and makes nothing.
    const again = await signIn(code ?? '')
    expect(again.status).toBe(404)
    expect((again.body as { detail: string }).detail).toMatch(/used already or is more than 15/)
    expect(await dispatcherTokens()).toHaveLength(1)
    // And with a dispatcher token in the database, serve prints no link any more.
    expect(await api.services.signIn.issue()).toBeNull()
  })

  it('stops working after 15 minutes, and a new code replaces the one before', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z')
    const links = createSignInLinks(
      { listTokens: () => Promise.resolve([]), createToken: () => Promise.reject(new Error('no')) },
      { now: () => now },
    )
    const old = await links.issue()
    const code = await links.issue()
    await expect(links.redeem(old ?? '')).rejects.toMatchObject({ code: 'sign_in_code_unknown' })
    now += 15 * 60_000 + 1
    await expect(links.redeem(code ?? '')).rejects.toMatchObject({ code: 'sign_in_code_unknown' })
  })
})
