import { pino, type Logger as PinoLogger } from 'pino'
import type { CliIo } from './io.js'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * Creates the command's pino logger, which writes JSON lines to stderr so stdout carries only
 * results. The level comes from `--log-level` or `LOG_LEVEL`, default `warn`.
 *
 * @throws RangeError for an unknown level.
 */
export function createLogger(io: CliIo, level: string): PinoLogger {
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new RangeError(`--log-level must be one of ${LEVELS.join(', ')}`)
  }
  return pino({ name: 'harmony-auth', level }, io.stderr)
}
