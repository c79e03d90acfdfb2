import type { ConsoleSettings, SettingsInput } from '../../../shared/settings'

/** The settings as the page edits them: text as typed, checked before it is sent. */
export interface Form {
  embedded: boolean
  databaseUrl: string
  feeds: string
  host: string
  port: string
  leaseMinutes: string
  start: string
  end: string
  notifications: boolean
}

export function formOf(settings: ConsoleSettings): Form {
  return {
    embedded: settings.databaseUrl === null,
    databaseUrl: settings.databaseUrl ?? '',
    feeds: settings.feeds
      .map((feed) => (feed.systemId ? `${feed.url} ${feed.systemId}` : feed.url))
      .join('\n'),
    host: settings.host,
    port: String(settings.port),
    leaseMinutes: String(settings.leaseMinutes),
    start: settings.serviceHours.start,
    end: settings.serviceHours.end,
    notifications: settings.notifications,
  }
}

/** What the page sends, or the first field that is not even a number, named as the file names it. */
export function inputOf(form: Form): SettingsInput | { field: string; message: string } {
  const whole = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : null)
  const port = whole(form.port)
  if (port === null) return { field: 'port', message: 'port: must be a whole number' }
  const leaseMinutes = whole(form.leaseMinutes)
  if (leaseMinutes === null) {
    return { field: 'leaseMinutes', message: 'leaseMinutes: must be a whole number of minutes' }
  }
  if (!form.embedded && form.databaseUrl.trim() === '') {
    return {
      field: 'databaseUrl',
      message: 'databaseUrl: give a postgres:// URL, or choose the embedded database',
    }
  }
  return {
    databaseUrl: form.embedded ? null : form.databaseUrl.trim(),
    feeds: form.feeds
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const [url = '', systemId] = line.split(/\s+/)
        return systemId ? { url, systemId } : { url }
      }),
    host: form.host,
    port,
    leaseMinutes,
    serviceHours: { start: form.start, end: form.end },
    notifications: form.notifications,
  }
}

/** `host:port/database` of a database URL, as the server shows where it runs (no credentials). */
function databaseLocation(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${parsed.pathname.replace(/^\//, '') || '(default database)'}`
  } catch {
    return url
  }
}

/** What the settings file holds, in the words of the "Running now" table, by field. */
export function savedInWords(settings: ConsoleSettings): Record<string, string> {
  return {
    databaseUrl: settings.databaseUrl
      ? databaseLocation(settings.databaseUrl)
      : 'the embedded PostgreSQL',
    host: settings.host,
    port: String(settings.port),
    feeds: settings.feeds.map((feed) => feed.url).join(', ') || 'none',
    leaseMinutes: `${settings.leaseMinutes} minutes`,
  }
}
