import type { GbfsFile } from './types.js'

/**
 * A poll that cannot go on: a file that does not arrive, is not JSON, or is not a GBFS document
 * at all. Nothing of that poll is written; the error is recorded on the feed's health. The
 * message names the file and says what is wrong in words a dispatcher can pass on.
 */
export class FeedError extends Error {
  override name = 'FeedError'

  constructor(
    readonly file: GbfsFile | null,
    detail: string,
    readonly httpStatus: number | null = null,
    options?: ErrorOptions,
  ) {
    super(file ? `${file}.json: ${detail}` : detail, options)
  }
}
