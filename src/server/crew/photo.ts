import { MAX_PHOTO_BYTES } from '../../shared/crew-work.js'
import { ServiceError } from '../errors.js'

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp'

export interface Photo {
  type: PhotoType
  bytes: Buffer
}

const DATA_URL = /^data:(image\/(?:jpeg|png|webp));base64,([A-Za-z0-9+/]*={0,2})$/

/** The first bytes each format starts with: the declared type must be the real one. */
function matches(type: PhotoType, bytes: Buffer): boolean {
  switch (type) {
    case 'image/jpeg':
      return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
    case 'image/png':
      return bytes
        .subarray(0, 8)
        .equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    case 'image/webp':
      return (
        bytes.length >= 12 &&
        bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
        bytes.subarray(8, 12).toString('latin1') === 'WEBP'
      )
  }
}

function invalid(detail: string): ServiceError {
  return new ServiceError('invalid', 'invalid_photo', `body.photo: ${detail}`)
}

/** A photo sent as a data URL: JPEG, PNG or WebP, at most 2 MB decoded, its bytes checked. */
export function decodePhoto(dataUrl: string): Photo {
  const match = DATA_URL.exec(dataUrl)
  if (!match) {
    throw invalid('must be a data URL: data:image/jpeg;base64,... (or image/png, image/webp)')
  }
  const type = match[1] as PhotoType
  const bytes = Buffer.from(match[2] ?? '', 'base64')
  if (bytes.length === 0) throw invalid('is empty')
  if (bytes.length > MAX_PHOTO_BYTES) {
    throw invalid(
      `is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; at most 2 MB: scale it down before sending`,
    )
  }
  if (!matches(type, bytes)) throw invalid(`says ${type} but its bytes are not a ${type} image`)
  return { type, bytes }
}
