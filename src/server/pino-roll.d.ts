// pino-roll 4 ships no types: the part of its API the log files use.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino'

  interface PinoRollOptions {
    file: string | (() => string)
    size?: string | number
    frequency?: 'daily' | 'hourly' | number
    extension?: string
    symlink?: boolean
    mkdir?: boolean
    limit?: { count?: number; removeOtherLogFiles?: boolean }
    dateFormat?: string
  }

  export default function roll(options: PinoRollOptions): Promise<DestinationStream>
}
