import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { crewIdFromName } from '../../src/server/auth/auth.service.js'
import {
  generateToken,
  hashToken,
  looksLikeToken,
  tokenPrefix,
} from '../../src/server/auth/tokens.js'
import { crewHealth } from '../../src/server/crews/crews.service.js'
import { describeIssues } from '../../src/server/http/api-router.js'
import { stationIdSchema } from '../../src/shared/dispatch.js'

describe('API tokens', () => {
  it('are 256 random bits behind a recognisable prefix, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, generateToken))
    expect(tokens.size).toBe(1_000)
    for (const token of tokens) {
      expect(looksLikeToken(token)).toBe(true)
      expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32)
    }
  })

  it('are stored as a SHA-256 digest and shown by a short prefix only', () => {
    const token = generateToken()
    expect(hashToken(token)).toHaveLength(32)
    expect(hashToken(token).equals(hashToken(token))).toBe(true)
    expect(tokenPrefix(token)).toBe(token.slice(0, 10))
    expect(looksLikeToken('bwb_short')).toBe(false)
    expect(looksLikeToken(`Bearer ${token}`)).toBe(false)
  })
})

describe('crew ids from names', () => {
  it.each([
    ['Van 3 (Mission)', 'van-3-mission'],
    ['Équipe Nord', 'equipe-nord'],
    ['  ***  ', 'crew'],
  ])('%j becomes %j', (name, id) => expect(crewIdFromName(name)).toBe(id))
})

describe('crew health (seed 003)', () => {
  const now = new Date('2026-11-22T12:00:00Z')
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000)
  it.each([
    [null, 'Never seen'],
    [ago(1), 'Healthy'],
    [ago(5), 'Healthy'],
    [ago(6), 'Warning'],
    [ago(15), 'Warning'],
    [ago(16), 'Critical'],
  ] as const)('last seen %s is %s', (seen, health) => expect(crewHealth(seen, now)).toBe(health))
})

describe('validation messages', () => {
  it('name the field first, then what is wrong, and count what they leave out', () => {
    const schema = z.object({ a: z.int(), b: z.string(), c: z.boolean(), d: z.number() }).strict()
    const result = schema.safeParse({ a: 'x', e: 1 })
    if (result.success) throw new Error('should fail')
    expect(describeIssues('body', result.error)).toBe(
      'body.a: must be number, received string; body.b: is required; body.c: is required; and 2 more',
    )
  })

  it("keep station ids as given, and the seed's integer ids as the same digits", () => {
    expect(stationIdSchema.parse('5065.10')).toBe('5065.10')
    expect(stationIdSchema.parse('00010001')).toBe('00010001')
    expect(stationIdSchema.parse(74)).toBe('74')
    expect(stationIdSchema.safeParse(7.5).success).toBe(false)
    expect(stationIdSchema.safeParse('  ').success).toBe(false)
  })
})
