import { z } from 'zod'
import { DEFAULT_TILE_CACHE_MB, DEFAULT_TILE_URL, type TileSettings } from './tiles.service.js'

const template = z
  .string()
  .trim()
  .refine(
    (value) =>
      /^https?:\/\/[^/]+/.test(value) &&
      ['{z}', '{x}', '{y}'].every((part) => value.includes(part)),
    'must be an http:// or https:// URL holding {z}, {x} and {y}',
  )

/** `"tiles": {"url": "...", "cacheMB": 500}` in settings.json. */
export const tilesFileSchema = z
  .object({
    url: template.optional(),
    cacheMB: z
      .int('must be a whole number of megabytes')
      .min(10, 'must be at least 10 (MB)')
      .max(1_000_000, 'must be at most 1000000 (MB)')
      .optional(),
  })
  .strict()

/**
 * The tile server and cache bound: `--tile-url`, then BALANCER_TILE_URL, then the settings
 * file, then OpenStreetMap's public servers and 500 MB. `fail` makes the settings' own error.
 */
export function resolveTiles(
  file: z.output<typeof tilesFileSchema> | undefined,
  env: NodeJS.ProcessEnv,
  flagUrl: string | undefined,
  fail: (message: string) => Error,
): TileSettings {
  const given = (value: string | undefined, name: string) => {
    if (!value) return undefined
    const parsed = template.safeParse(value)
    if (!parsed.success) throw fail(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}`)
    return parsed.data
  }
  return {
    url:
      given(flagUrl, 'command line: --tile-url') ??
      given(env.BALANCER_TILE_URL, 'environment: BALANCER_TILE_URL') ??
      file?.url ??
      DEFAULT_TILE_URL,
    cacheMB: file?.cacheMB ?? DEFAULT_TILE_CACHE_MB,
  }
}
