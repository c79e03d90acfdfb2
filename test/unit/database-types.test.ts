import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseInt8, parseNumeric } from '../../src/server/db/database.js'
import { MIGRATIONS } from '../../src/server/db/migrations.js'

describe('int8 parsing', () => {
  it('gives exact numbers for ids and counts', () => {
    expect(parseInt8('0')).toBe(0)
    expect(parseInt8('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER)
    expect(parseInt8('-42')).toBe(-42)
  })

  it('refuses a value that would round', () => {
    expect(() => parseInt8('9007199254740993')).toThrow(/does not fit/)
  })
})

describe('numeric parsing', () => {
  it('gives doubles for shares and averages', () => {
    expect(parseNumeric('0.125')).toBe(0.125)
    expect(parseNumeric('12')).toBe(12)
  })
})

describe('bundled migrations', () => {
  it('are every file of db/migrations, in order', () => {
    const files = readdirSync('db/migrations')
      .filter((file) => file.endsWith('.sql'))
      .sort()
      .map((file) => file.replace(/\.sql$/, ''))
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files)
    for (const migration of MIGRATIONS) expect(migration.sql.length).toBeGreaterThan(0)
  })
})
