import type { FeedWarning, GbfsFile, WarningCode } from './types.js'

/** Examples kept per warning: enough to find the rows in the file, few enough for a health page. */
const EXAMPLES = 5
/** Distinct warnings kept per poll; a feed that breaks in more ways than this says so once. */
const MAX_WARNINGS = 60

/**
 * Collects a poll's warnings grouped by file, code and message, counting repeats, so that
 * Divvy's 5,433 "must be boolean" deviations arrive as one warning with count 5433.
 */
export class WarningCollector {
  private readonly groups = new Map<string, FeedWarning>()
  private dropped = 0

  add(file: GbfsFile, code: WarningCode, message: string, example?: string, count = 1): void {
    const key = `${file}\u0000${code}\u0000${message}`
    let group = this.groups.get(key)
    if (!group) {
      if (this.groups.size >= MAX_WARNINGS) {
        this.dropped += count
        return
      }
      group = { file, code, message, count: 0, examples: [] }
      this.groups.set(key, group)
    }
    group.count += count
    if (example !== undefined && group.examples.length < EXAMPLES) group.examples.push(example)
  }

  /** A warning already counted by the caller, with its examples. */
  addGroup(
    file: GbfsFile,
    code: WarningCode,
    message: string,
    count: number,
    examples: string[],
  ): void {
    this.add(file, code, message, undefined, count)
    const group = this.groups.get(`${file}\u0000${code}\u0000${message}`)
    if (group) group.examples.push(...examples.slice(0, EXAMPLES - group.examples.length))
  }

  /** Warnings carried over from an earlier read of a file that has not changed since. */
  addAll(warnings: readonly FeedWarning[]): void {
    for (const warning of warnings) {
      const key = `${warning.file}\u0000${warning.code}\u0000${warning.message}`
      if (this.groups.has(key) || this.groups.size >= MAX_WARNINGS) continue
      this.groups.set(key, { ...warning, examples: [...warning.examples] })
    }
  }

  list(): FeedWarning[] {
    const warnings = [...this.groups.values()]
    if (this.dropped > 0) {
      warnings.push({
        file: 'gbfs',
        code: 'schema',
        message: `${this.dropped} more deviation(s) of other kinds were not listed`,
        count: this.dropped,
        examples: [],
      })
    }
    return warnings
  }

  /** Only the warnings about one file, for caching with that file. */
  forFile(file: GbfsFile): FeedWarning[] {
    return this.list().filter((warning) => warning.file === file)
  }
}
