import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The real captures in ../shared/data beside the checkout (GBFS feeds, schemas, trip files, a
 * status history). CI always has them; a bare clone may not, so tests that need them use
 * `describe.skipIf(!hasSharedData)` and say what they need in the test name.
 */
export const SHARED_DATA_DIR = resolve(
  process.env.BALANCER_SHARED_DATA ??
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data'),
)

export const hasSharedData = existsSync(join(SHARED_DATA_DIR, 'SOURCES.md'))

/** A path inside ../shared/data. */
export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA_DIR, ...parts)
}

/** Explains a skip when ../shared/data is not there. */
export const NEEDS_SHARED_DATA = hasSharedData
  ? ''
  : ` (skipped: needs the real captures in ${SHARED_DATA_DIR}; set BALANCER_SHARED_DATA)`
