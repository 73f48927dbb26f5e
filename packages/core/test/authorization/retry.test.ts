import { describe, expect, it } from 'vitest'
import {
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
  retryPolicyOf,
} from '../../src/authorization/retry.js'

const policy = retryPolicyOf({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 })

describe('retryPolicyOf', () => {
  it('fills in the defaults', () => {
    expect(retryPolicyOf()).toEqual({
      maxAttempts: 3,
      baseDelayMs: 250,
      maxDelayMs: 5000,
      budgetMs: 30000,
    })
  })

  it('rejects a wrong type with TypeError', () => {
    expect(() => retryPolicyOf({ maxAttempts: '3' as unknown as number })).toThrow(TypeError)
  })

  it('rejects out-of-range values with RangeError', () => {
    expect(() => retryPolicyOf({ maxAttempts: 0 })).toThrow(RangeError)
    expect(() => retryPolicyOf({ maxAttempts: 11 })).toThrow(RangeError)
    expect(() => retryPolicyOf({ budgetMs: -1 })).toThrow(RangeError)
    expect(() => retryPolicyOf({ baseDelayMs: 1.5 })).toThrow(RangeError)
  })
})

describe('isRetryableStatus', () => {
  it('retries only 429 and 502 to 504', () => {
    const retryable = [400, 401, 403, 404, 429, 500, 501, 502, 503, 504, 505].filter(
      isRetryableStatus,
    )
    expect(retryable).toEqual([429, 502, 503, 504])
  })
})

describe('retryDelayMs', () => {
  it('doubles the delay per retry', () => {
    const delays = [1, 2, 3].map((retry) => retryDelayMs(policy, retry, () => 1, undefined))
    expect(delays).toEqual([100, 200, 400])
  })

  it('applies equal jitter', () => {
    expect(retryDelayMs(policy, 3, () => 0, undefined)).toBe(200)
    expect(retryDelayMs(policy, 3, () => 0.5, undefined)).toBe(300)
  })

  it('caps the delay at maxDelayMs', () => {
    expect(retryDelayMs(policy, 10, () => 1, undefined)).toBe(1000)
  })

  it('waits at least as long as Retry-After', () => {
    expect(retryDelayMs(policy, 1, () => 0, 700)).toBe(700)
  })

  it('gives up when Retry-After exceeds maxDelayMs', () => {
    expect(retryDelayMs(policy, 1, () => 0, 1001)).toBeUndefined()
  })
})

describe('parseRetryAfter', () => {
  const now = new Date('2026-06-01T10:00:00.000Z')

  it('parses delay-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
  })

  it('parses an HTTP date relative to now', () => {
    expect(parseRetryAfter('Mon, 01 Jun 2026 10:00:05 GMT', now)).toBe(5000)
  })

  it('treats a past date as no delay', () => {
    expect(parseRetryAfter('Mon, 01 Jun 2026 09:00:00 GMT', now)).toBe(0)
  })

  it('ignores absent and invalid values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-1', now)).toBeUndefined()
    expect(parseRetryAfter('1.5', now)).toBeUndefined()
  })
})
