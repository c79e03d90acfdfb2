/**
 * A camera photo scaled down on the phone before it is queued: at most 1600 px on its longer
 * side, JPEG at quality 0.8, which puts a 12-megapixel photo at 200-500 kB as a data URL, well
 * under the server's 2 MB. If that is still over the limit, it is tried again smaller.
 */
export const MAX_SIDE = 1600
export const MAX_BYTES = 1_900_000

export async function scalePhoto(file: Blob): Promise<string> {
  const bitmap = await createImageBitmap(file)
  try {
    for (const [side, quality] of [
      [MAX_SIDE, 0.8],
      [1200, 0.7],
      [800, 0.6],
    ] as const) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height))
      const canvas = document.createElement('canvas')
      canvas.width = Math.max(1, Math.round(bitmap.width * scale))
      canvas.height = Math.max(1, Math.round(bitmap.height * scale))
      const context = canvas.getContext('2d')
      if (!context) throw new Error('this phone cannot draw the photo')
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
      const url = canvas.toDataURL('image/jpeg', quality)
      if (dataUrlBytes(url) <= MAX_BYTES) return url
    }
    throw new Error('the photo is too large even scaled down')
  } finally {
    bitmap.close()
  }
}

/** The decoded size of a base64 data URL. */
export function dataUrlBytes(url: string): number {
  const base64 = url.slice(url.indexOf(',') + 1)
  return (
    Math.floor((base64.length * 3) / 4) - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0)
  )
}

/** The bytes of a data URL as a Blob (for a blob: preview; fetch(data:) is outside the CSP). */
export function dataUrlToBlob(url: string): Blob {
  const type = /^data:([^;,]+)/.exec(url)?.[1] ?? 'application/octet-stream'
  const binary = atob(url.slice(url.indexOf(',') + 1))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return new Blob([bytes], { type })
}
