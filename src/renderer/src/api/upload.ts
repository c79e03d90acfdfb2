import type { Unsubscribe } from '../../../shared/contract'
import { isHttp } from '../../../shared/operations/operation'
import { uploadTrips } from '../../../shared/operations/trips'
import type { TripImportProgress, TripImportReport, TripUploadRequest } from '../../../shared/trips'
import { ApiError, queryString, type Transport } from './http-client'

/**
 * POST /trips/imports with the file as the body, reading the answer as JSON lines: progress
 * while the server reads the file, then the report. Its progress goes to this page's listeners
 * of `trips:import-progress` only.
 */
export function createUpload(transport: Transport) {
  const listeners = new Set<(progress: TripImportProgress) => void>()
  const route = uploadTrips.route
  if (!isHttp(route) || !route.toHttp) throw new Error('trips:upload has no route')
  const toHttp = route.toHttp.bind(route)
  const routePath = route.path

  async function send({ file, ...request }: TripUploadRequest): Promise<TripImportReport> {
    const path = routePath + queryString(toHttp({ file, ...request }).query)
    const response = await transport.send('POST', path, {
      headers: transport.headersFor({
        accept: 'application/x-ndjson',
        'content-type': file.type || 'application/octet-stream',
      }),
      body: file,
    })
    if (!response.ok) throw await transport.failure(response, 'POST', path)
    if (!response.body || !response.headers.get('content-type')?.includes('ndjson')) {
      return (await response.json()) as TripImportReport
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (value) buffer += value
      const lines = buffer.split('\n')
      buffer = done ? '' : (lines.pop() ?? '')
      for (const text of lines) {
        if (!text.trim()) continue
        const message = JSON.parse(text) as {
          progress?: TripImportProgress
          report?: TripImportReport
          error?: { detail: string; code: string }
        }
        if (message.progress) for (const listener of listeners) listener(message.progress)
        if (message.report) return message.report
        if (message.error) throw new ApiError(message.error.detail, 200, message.error.code)
      }
      if (done) throw new Error(`POST ${path} ended without a report`)
    }
  }

  return {
    send,
    onProgress(listener: (progress: TripImportProgress) => void): Unsubscribe {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
}
