import { readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TripImportProgress, TripImportReport } from '../../src/shared/trips.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { seedSfSystem, tripFixture } from '../helpers/trips.js'

let database: TestDatabase
let api: TestApi
let dispatcher: string
let analyst: string

/** A limit small enough to test, big enough for the fixtures (a few hundred bytes each). */
const LIMIT = 64 * 1024

beforeAll(async () => {
  database = await createTestDatabase()
  await seedSfSystem(database.db, 'sf2023', '2023')
  api = await startApi(database, { maxUploadBytes: LIMIT })
  dispatcher = await api.token('dispatcher', 'upload desk')
  analyst = await api.token('analyst')
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function upload(
  query: string,
  body: Uint8Array | null,
  headers: Record<string, string> = {},
  token: string | null = dispatcher,
): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${api.url}/trips/imports${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body,
  })
  return {
    status: response.status,
    text: await response.text(),
    type: response.headers.get('content-type'),
  }
}

async function importsSoFar(): Promise<number> {
  const row = await database.db
    .selectFrom('trip_imports')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

const uploadDirs = async () =>
  (await readdir(tmpdir())).filter((name) => name.startsWith('balancer-upload-'))

describe('POST /trips/imports: a trip file from a browser', () => {
  it('refuses bad requests with the field at fault, and changes nothing', async () => {
    const csv = await readFile(tripFixture('lyft-2023-semicolon-crlf.csv'))
    const before = await uploadDirs()
    const cases: [
      string,
      Uint8Array | null,
      Record<string, string>,
      string | null,
      number,
      RegExp,
    ][] = [
      ['?name=a.csv', csv, {}, null, 401, /needs a dispatcher token/],
      ['?name=a.csv', csv, {}, analyst, 403, /needs a dispatcher token/],
      ['', csv, {}, dispatcher, 400, /query\.name: is required/],
      [
        '?name=notes.txt',
        csv,
        {},
        dispatcher,
        400,
        /query\.name: must end in \.csv, \.csv\.gz or \.zip/,
      ],
      [
        '?name=..%2Fetc%2Fa.csv',
        csv,
        {},
        dispatcher,
        400,
        /query\.name: must be a file name, not a path/,
      ],
      ['?name=a.csv&match_by=uuid', csv, {}, dispatcher, 400, /query\.match_by/],
      ['?name=a.csv&max_rejected=lots', csv, {}, dispatcher, 400, /query\.max_rejected/],
      ['?name=a.csv&color=red', csv, {}, dispatcher, 400, /unknown field color/],
      ['?name=a.csv', csv, { 'content-type': 'text/html' }, dispatcher, 415, /Content-Type/],
      ['?name=a.csv', new Uint8Array(LIMIT + 1), {}, dispatcher, 413, /larger than 65536 bytes/],
      ['?name=a.csv', new Uint8Array(0), {}, dispatcher, 400, /body: the file is empty/],
      [
        '?name=a.csv&tz=Mars%2FOlympus',
        csv,
        {},
        dispatcher,
        400,
        /unknown time zone "Mars\/Olympus"/,
      ],
      ['?name=a.csv&system=nowhere', csv, {}, dispatcher, 400, /nowhere/],
    ]
    for (const [query, body, headers, token, status, detail] of cases) {
      const answer = await upload(query, body, headers, token)
      expect([query, answer.status], answer.text).toEqual([query, status])
      expect((JSON.parse(answer.text) as { detail: string }).detail).toMatch(detail)
    }
    expect(await importsSoFar()).toBe(0)
    expect(await uploadDirs()).toEqual(before)
  })

  it('imports the file and answers its report; the temporary copy is gone afterwards', async () => {
    const before = await uploadDirs()
    const answer = await upload(
      '?name=lyft-2023-semicolon-crlf.csv&system=sf2023&match_by=short_name',
      await readFile(tripFixture('lyft-2023-semicolon-crlf.csv')),
    )
    expect(answer.status, answer.text).toBe(201)
    const report = JSON.parse(answer.text) as TripImportReport
    expect(report.systemId).toBe('sf2023')
    expect(report.outcomes).toEqual([
      expect.objectContaining({
        status: 'imported',
        file: 'lyft-2023-semicolon-crlf.csv',
        rowsImported: 6,
        stations: expect.objectContaining({ matchedBy: 'short_name' }),
      }),
    ])
    expect(await uploadDirs()).toEqual(before)
  })

  it('streams progress lines and then the report when asked for JSON lines', async () => {
    const answer = await upload(
      '?name=fordgobike-bad-rows.csv&system=sf2023',
      await readFile(tripFixture('fordgobike-bad-rows.csv')),
      { accept: 'application/x-ndjson', 'content-type': 'text/csv' },
    )
    expect(answer.status).toBe(200)
    expect(answer.type).toMatch(/application\/x-ndjson/)
    const lines = answer.text
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { progress?: TripImportProgress; report?: TripImportReport },
      )
    const progress = lines.flatMap((line) => (line.progress ? [line.progress] : []))
    expect(progress.map((p) => p.phase)).toContain('reading')
    expect(progress.every((p) => p.file === 'fordgobike-bad-rows.csv')).toBe(true)
    const last = lines.at(-1)?.report
    expect(last?.outcomes[0]).toMatchObject({ file: 'fordgobike-bad-rows.csv' })
  })
})
