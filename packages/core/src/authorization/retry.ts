import type { AuthorizeRetryOptions } from './types.js'

/** A retry policy with every default filled in. */
export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  budgetMs: number
}

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504])

/**
 * Checks the retry options and fills in the defaults.
 *
 * @throws TypeError or RangeError for a value of the wrong type or out of range.
 */
export function retryPolicyOf(options: AuthorizeRetryOptions = {}): RetryPolicy {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('retry must be an object')
  }
  return {
    maxAttempts: checkedInteger('retry.maxAttempts', options.maxAttempts ?? 3, 1, 10),
    baseDelayMs: checkedInteger('retry.baseDelayMs', options.baseDelayMs ?? 250, 0, 60_000),
    maxDelayMs: checkedInteger('retry.maxDelayMs', options.maxDelayMs ?? 5_000, 0, 300_000),
    budgetMs: checkedInteger('retry.budgetMs', options.budgetMs ?? 30_000, 0, 600_000),
  }
}

/**
 * Checks that `value` is an integer from `min` to `max`.
 *
 * @throws TypeError when it is not a number, RangeError when it is out of range.
 */
export function checkedInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

/** Returns whether an upstream reply with this status may be retried. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status)
}

/**
 * Returns the delay before retry number `retry` (1 for the first), in milliseconds: exponential
 * backoff with equal jitter, capped at `maxDelayMs`, and raised to `Retry-After` when the server
 * asked for longer. Returns `undefined`, so no retry is made, when `Retry-After` requests more
 * than `maxDelayMs`.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  random: () => number,
  retryAfterMs: number | undefined,
): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return undefined
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  const jittered = exponential / 2 + (exponential / 2) * random()
  return Math.max(jittered, retryAfterMs ?? 0)
}

/**
 * Parses a `Retry-After` header (RFC 9110 section 10.2.3): delay-seconds or an HTTP date.
 * Returns milliseconds from `now`, or `undefined` when the header is absent or invalid.
 */
export function parseRetryAfter(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined
  return Math.max(0, date - now.getTime())
}
