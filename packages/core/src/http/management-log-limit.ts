import { isHarmonyAuthError } from '../errors.js'
import type { Clock } from '../support/clock.js'

interface RepeatWindow {
  loggedAtMs: number
  suppressed: number
}

/**
 * Limits repeated log records per key, such as a failure's status and code, so a client that
 * sends bad requests in a loop cannot flood the log. The first record of a key is logged, later
 * ones inside the interval are only counted, and the first one after the interval is logged with
 * that count. The number of tracked keys is bounded; when the table is full, the key logged
 * longest ago is dropped with its count.
 *
 * NOTE: a count is reported only by the next record of its key, so the suppressed records of a
 * burst that stops for good are never reported. No timer flushes them.
 */
export class RepeatedLogLimiter {
  readonly #windows = new Map<string, RepeatWindow>()
  readonly #intervalMs: number
  readonly #clock: Clock
  readonly #maxKeys: number

  constructor(intervalMs: number, clock: Clock, maxKeys = 1000) {
    this.#intervalMs = intervalMs
    this.#clock = clock
    this.#maxKeys = maxKeys
  }

  /**
   * Counts one record of `key`. Returns `undefined` when the record is to be suppressed, else the
   * number of records of that key suppressed since the last one logged.
   */
  admit(key: string): number | undefined {
    if (this.#intervalMs === 0) return 0
    const nowMs = this.#clock().getTime()
    const window = this.#windows.get(key)
    if (window !== undefined && nowMs - window.loggedAtMs < this.#intervalMs) {
      window.suppressed += 1
      return undefined
    }
    const suppressed = window?.suppressed ?? 0
    // Deleting first moves the key to the end of the insertion order, so the first key in the map
    // is always the one logged longest ago.
    this.#windows.delete(key)
    if (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next().value
      if (oldest !== undefined) this.#windows.delete(oldest)
    }
    this.#windows.set(key, { loggedAtMs: nowMs, suppressed: 0 })
    return suppressed
  }
}

/** Log fields of an error: its class name and a code that contains no free text. */
export interface SafeErrorFields {
  code: string
  errorName?: string
}

const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const SAFE_NAME = /^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/

/**
 * Returns the log fields of an error without its message, which may contain a secret. The code is
 * the SDK error code, else a Node.js-style `code` property such as `ECONNRESET` when it is a plain
 * identifier, else `unexpected_error`.
 */
export function safeErrorFields(error: unknown): SafeErrorFields {
  if (isHarmonyAuthError(error)) return { code: error.code, errorName: error.name }
  const code: unknown = (error as { code?: unknown } | null)?.code
  const name = error instanceof Error ? error.name : undefined
  return {
    code: typeof code === 'string' && SAFE_CODE.test(code) ? code : 'unexpected_error',
    ...(name !== undefined && SAFE_NAME.test(name) ? { errorName: name } : {}),
  }
}
