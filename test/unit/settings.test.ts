import { DEFAULT_TILE_CACHE_MB, DEFAULT_TILE_URL } from '../../src/server/tiles/tiles.service.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_HOST,
  DEFAULT_LEASE_MINUTES,
  DEFAULT_TLS_PORT,
  DEFAULT_PORT,
  DEFAULT_RETENTION,
  defaultDataDir,
  describeDatabaseUrl,
  loadSettings,
  SETTINGS_FILE,
} from '../../src/server/config/settings.js'
import { runningSettings } from '../../src/server/config/setting-sources.js'
import { DEFAULT_FEED_URL } from '../../src/server/gbfs/discovery.js'

const made: string[] = []

/** A new temporary data directory, removed after the file's tests. */
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-settings-'))
  made.push(dir)
  return dir
}

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function dataDirWith(settings: unknown): Promise<string> {
  const dir = await dataDir()
  await writeFile(
    join(dir, SETTINGS_FILE),
    typeof settings === 'string' ? settings : JSON.stringify(settings),
  )
  return dir
}

describe('settings', () => {
  it('default to the embedded database on loopback port 8000', async () => {
    const dir = await dataDir()
    const settings = await loadSettings({ dataDir: dir }, {})
    expect(settings).toEqual({
      dataDir: dir,
      databaseUrl: null,
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      feeds: [{ url: DEFAULT_FEED_URL }],
      poll: true,
      leaseMinutes: DEFAULT_LEASE_MINUTES,
      rateLimitPerToken: undefined,
      rateLimitPerAddress: undefined,
      serviceHours: { start: '06:00', end: '22:00' },
      notifications: true,
      retention: DEFAULT_RETENTION,
      tls: 'off',
      tlsCert: null,
      tlsKey: null,
      tlsPort: DEFAULT_TLS_PORT,
      publicUrl: null,
      tiles: { url: DEFAULT_TILE_URL, cacheMB: DEFAULT_TILE_CACHE_MB },
      sources: expect.objectContaining({ port: { source: 'default', by: 'default' } }),
    })
  })

  it("take the map's tile server from the flag, the environment or the file, and refuse a URL without {z}/{x}/{y}", async () => {
    const dir = await dataDirWith({
      tiles: { url: 'https://tiles.depot.lan/{z}/{x}/{y}.png', cacheMB: 2000 },
    })
    expect((await loadSettings({ dataDir: dir }, {})).tiles).toEqual({
      url: 'https://tiles.depot.lan/{z}/{x}/{y}.png',
      cacheMB: 2000,
    })
    const env = { BALANCER_TILE_URL: 'http://10.0.0.5:8080/osm/{z}/{x}/{y}.png' }
    expect((await loadSettings({ dataDir: dir }, env)).tiles?.url).toBe(env.BALANCER_TILE_URL)
    const flag = { url: 'http://127.0.0.1:9/{z}/{x}/{y}.png', cacheMB: 1 }
    expect((await loadSettings({ dataDir: dir, tiles: flag }, env)).tiles?.url).toBe(flag.url)
    await expect(
      loadSettings({ dataDir: dir }, { BALANCER_TILE_URL: 'https://tiles.example/{z}.png' }),
    ).rejects.toThrow(
      'environment: BALANCER_TILE_URL must be an http:// or https:// URL holding {z}, {x} and {y}',
    )
    const small = await dataDirWith({ tiles: { cacheMB: 1 } })
    await expect(loadSettings({ dataDir: small }, {})).rejects.toThrow(
      /tiles.cacheMB must be at least 10/,
    )
  })

  it('remember where each value came from: flag, environment, settings file or default', async () => {
    const dir = await dataDirWith({ host: '0.0.0.0', port: 8000, leaseMinutes: 30 })
    const settings = await loadSettings(
      { dataDir: dir, port: 8711 },
      { GBFS_URL: 'http://127.0.0.1:9000/gbfs.json', BALANCER_LEASE_MINUTES: '45' },
    )
    expect(settings.sources).toMatchObject({
      port: { source: 'flag', by: '--port' },
      feeds: { source: 'environment', by: 'GBFS_URL' },
      leaseMinutes: { source: 'environment', by: 'BALANCER_LEASE_MINUTES' },
      host: { source: 'file', by: 'settings.json host' },
      databaseUrl: { source: 'default', by: 'default' },
    })
    const running = runningSettings(settings, {
      port: 8711,
      databaseLocation: 'the embedded PostgreSQL',
      crew: {
        url: 'http://192.168.1.20:8711',
        reachable_from_lan: true,
        loopback_only: false,
        tls: { enabled: false, fingerprint_sha256: null },
        warning: null,
      },
    })
    const byField = Object.fromEntries(running.map((row) => [row.field, row]))
    expect(byField.port).toMatchObject({ value: '8711', source: 'flag', by: '--port' })
    expect(byField.feeds).toMatchObject({
      value: 'http://127.0.0.1:9000/gbfs.json',
      source: 'environment',
    })
    expect(byField.leaseMinutes).toMatchObject({
      value: '45 minutes',
      by: 'BALANCER_LEASE_MINUTES',
    })
    expect(byField.publicUrl).toMatchObject({
      label: 'Address for crews',
      value: 'http://192.168.1.20:8711',
      by: 'worked out from the network interfaces',
    })
    // Port 0: the port found is what runs.
    const any = await loadSettings({ dataDir: dir, port: 0 }, {})
    const found = runningSettings(any, { port: 40123, databaseLocation: 'x', crew: null })
    expect(found.find((row) => row.field === 'port')?.value).toBe(
      '40123 (asked for 0: any free port)',
    )
  })

  it('take TLS and the public address from the file, flags first, and refuse nonsense', async () => {
    const dir = await dataDirWith({
      tls: 'auto',
      tlsPort: 9443,
      publicUrl: 'https://depot.vpn:9443',
    })
    const fromFile = await loadSettings({ dataDir: dir }, {})
    expect(fromFile).toMatchObject({
      tls: 'auto',
      tlsPort: 9443,
      publicUrl: 'https://depot.vpn:9443',
    })
    expect((await loadSettings({ dataDir: dir, tls: 'off' }, {})).tls).toBe('off')
    // Any free port for HTTPS too when the API takes any free port (tests, a second console).
    expect((await loadSettings({ dataDir: await dataDir(), port: 0 }, {})).tlsPort).toBe(0)
    const bad = await dataDirWith({ tls: 'on' })
    await expect(loadSettings({ dataDir: bad }, {})).rejects.toThrow(/tls must be "auto" or "off"/)
    await expect(
      loadSettings({ dataDir: await dataDir(), publicUrl: 'depot:8443/crew' }, {}),
    ).rejects.toThrow(/--public-url must be an http:\/\/ or https:\/\/ address without a path/)
  })

  it('keep history by the retention given, field by field, and refuse nonsense', async () => {
    const dir = await dataDirWith({ retention: { feedPollsDays: 7, backups: 3 } })
    expect((await loadSettings({ dataDir: dir }, {})).retention).toEqual({
      ...DEFAULT_RETENTION,
      feedPollsDays: 7,
      backups: 3,
    })
    const short = await dataDirWith({ retention: { statusMonths: 1 } })
    await expect(loadSettings({ dataDir: short }, {})).rejects.toThrow(
      /settings\.json: retention\.statusMonths must be between 2 and 1200 months/,
    )
    const typo = await dataDirWith({ retention: { pollDays: 7 } })
    await expect(loadSettings({ dataDir: typo }, {})).rejects.toThrow(
      /unknown field\(s\) pollDays in retention/,
    )
  })

  it('poll Bay Wheels unless feeds are given, by flag, GBFS_URL or the settings file', async () => {
    const dir = await dataDirWith({
      feeds: [
        'https://gbfs.lyft.com/gbfs/2.3/chi/gbfs.json',
        { url: 'https://gbfs.citibikenyc.com/gbfs/en/station_information.json', systemId: 'nyc' },
      ],
    })
    expect((await loadSettings({ dataDir: dir }, {})).feeds).toEqual([
      { url: 'https://gbfs.lyft.com/gbfs/2.3/chi/gbfs.json' },
      { url: 'https://gbfs.citibikenyc.com/gbfs/en/station_information.json', systemId: 'nyc' },
    ])
    const env = { GBFS_URL: 'http://127.0.0.1:9001/a/gbfs.json, http://127.0.0.1:9002/b/gbfs.json' }
    expect((await loadSettings({ dataDir: dir }, env)).feeds).toEqual([
      { url: 'http://127.0.0.1:9001/a/gbfs.json' },
      { url: 'http://127.0.0.1:9002/b/gbfs.json' },
    ])
    const flags = { dataDir: dir, feeds: [{ url: 'http://127.0.0.1:9003/c/gbfs.json' }] }
    expect((await loadSettings(flags, env)).feeds).toEqual([
      { url: 'http://127.0.0.1:9003/c/gbfs.json' },
    ])
  })

  it('turn polling off with --no-poll, BALANCER_POLL or "poll": false', async () => {
    const dir = await dataDirWith({ poll: false })
    expect((await loadSettings({ dataDir: dir }, {})).poll).toBe(false)
    expect((await loadSettings({ dataDir: dir }, { BALANCER_POLL: 'on' })).poll).toBe(true)
    expect((await loadSettings({ dataDir: dir, poll: false }, { BALANCER_POLL: 'on' })).poll).toBe(
      false,
    )
    await expect(loadSettings({ dataDir: dir }, { BALANCER_POLL: 'maybe' })).rejects.toThrow(
      /BALANCER_POLL must be true or false/,
    )
  })

  it('name a feed URL that is not one', async () => {
    const dir = await dataDir()
    await expect(
      loadSettings({ dataDir: dir }, { GBFS_URL: 'gbfs.baywheels.com' }),
    ).rejects.toThrow(/environment: GBFS_URL must be an http:\/\/ or https:\/\/ URL/)
    await expect(
      loadSettings({ dataDir: dir, feeds: [{ url: 'ftp://x/gbfs.json' }] }, {}),
    ).rejects.toThrow(/command line: --feed must be an http/)
  })

  it('read the task lease from the file or BALANCER_LEASE_MINUTES, and refuse nonsense', async () => {
    const dir = await dataDirWith({ leaseMinutes: 30 })
    expect(await loadSettings({ dataDir: dir }, {})).toMatchObject({ leaseMinutes: 30 })
    expect(await loadSettings({ dataDir: dir }, { BALANCER_LEASE_MINUTES: '90' })).toMatchObject({
      leaseMinutes: 90,
    })
    await expect(loadSettings({ dataDir: dir }, { BALANCER_LEASE_MINUTES: '0' })).rejects.toThrow(
      'environment: BALANCER_LEASE_MINUTES must be between 1 and 1440 minutes',
    )
  })

  it('take flags over environment over the settings file', async () => {
    const dir = await dataDirWith({
      host: '0.0.0.0',
      port: 9000,
      databaseUrl: 'postgres://file/db',
    })
    expect(await loadSettings({ dataDir: dir }, {})).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      databaseUrl: 'postgres://file/db',
    })
    const env = { BALANCER_PORT: '9100', DATABASE_URL: 'postgresql://env/db' }
    expect(await loadSettings({ dataDir: dir }, env)).toMatchObject({
      host: '0.0.0.0',
      port: 9100,
      databaseUrl: 'postgresql://env/db',
    })
    expect(await loadSettings({ dataDir: dir, port: 9200 }, env)).toMatchObject({ port: 9200 })
  })

  it('find the data directory from BALANCER_DATA_DIR', async () => {
    const dir = await dataDir()
    expect((await loadSettings({}, { BALANCER_DATA_DIR: dir })).dataDir).toBe(dir)
  })

  it('name the variable that is wrong', async () => {
    const dir = await dataDir()
    await expect(loadSettings({ dataDir: dir }, { BALANCER_PORT: 'eighty' })).rejects.toThrow(
      /BALANCER_PORT must be a number/,
    )
    await expect(loadSettings({ dataDir: dir }, { DATABASE_URL: 'mysql://nope' })).rejects.toThrow(
      /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    )
  })

  it('name the flag that is wrong', async () => {
    const dir = await dataDir()
    await expect(loadSettings({ dataDir: dir, port: 70000 }, {})).rejects.toThrow(
      /--port must be between 0 and 65535/,
    )
  })

  it('name the file and field that are wrong', async () => {
    const badPort = await dataDirWith({ port: -3 })
    await expect(loadSettings({ dataDir: badPort }, {})).rejects.toThrow(
      /settings\.json: port must be between 0 and 65535/,
    )
    const typo = await dataDirWith({ prot: 8000 })
    await expect(loadSettings({ dataDir: typo }, {})).rejects.toThrow(/unknown field\(s\) prot/)
    const broken = await dataDirWith('{"port": 80')
    await expect(loadSettings({ dataDir: broken }, {})).rejects.toThrow(/is not valid JSON/)
    const list = await dataDirWith('[8000]')
    await expect(loadSettings({ dataDir: list }, {})).rejects.toThrow(/must hold one JSON object/)
  })
})

describe('default data directory', () => {
  it('follows XDG on Linux', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/home/d/.data' }, 'linux', 1000, '/home/d')).toBe(
      '/home/d/.data/bay-wheels-balancer',
    )
    expect(defaultDataDir({}, 'linux', 1000, '/home/d')).toBe(
      '/home/d/.local/share/bay-wheels-balancer',
    )
  })

  it('is a system directory for root, which the postgres user can enter', () => {
    expect(defaultDataDir({}, 'linux', 0, '/root')).toBe('/var/lib/bay-wheels-balancer')
  })

  it('follows the desktop conventions on macOS and Windows', () => {
    expect(defaultDataDir({}, 'darwin', 501, '/Users/d')).toBe(
      '/Users/d/Library/Application Support/bay-wheels-balancer',
    )
    expect(
      defaultDataDir({ APPDATA: 'C:\\Users\\d\\AppData\\Roaming' }, 'win32', -1, 'C:\\Users\\d'),
    ).toContain('bay-wheels-balancer')
  })
})

describe('describeDatabaseUrl', () => {
  it('shows where the data is without the credentials', () => {
    const shown = describeDatabaseUrl('postgres://depot:s3cret@db.depot.lan:5433/balancer')
    expect(shown).toBe('db.depot.lan:5433/balancer')
    expect(shown).not.toContain('s3cret')
  })
})
