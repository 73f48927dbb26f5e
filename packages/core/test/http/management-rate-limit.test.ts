import { describe, expect, it } from 'vitest'
import { FixedWindowRateLimiter } from '../../src/http/management-rate-limit.js'

function limiterAt(maxRequests: number, windowMs: number, maxClients?: number) {
  let now = Date.parse('2026-06-01T10:00:00.000Z')
  const limiter = new FixedWindowRateLimiter(maxRequests, windowMs, () => new Date(now), maxClients)
  return {
    limiter,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('FixedWindowRateLimiter', () => {
  it('allows requests up to the limit', () => {
    const { limiter } = limiterAt(3, 60_000)
    const verdicts = [1, 2, 3, 4].map(() => limiter.take('a').allowed)
    expect(verdicts).toEqual([true, true, true, false])
  })

  it('counts each key on its own', () => {
    const { limiter } = limiterAt(1, 60_000)
    expect(limiter.take('a').allowed).toBe(true)
    expect(limiter.take('b').allowed).toBe(true)
    expect(limiter.take('a').allowed).toBe(false)
  })

  it('returns the seconds left in the window', () => {
    const { limiter, advance } = limiterAt(1, 60_000)
    limiter.take('a')
    advance(20_500)
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 40 })
  })

  it('starts a new window when the old one ends', () => {
    const { limiter, advance } = limiterAt(1, 60_000)
    limiter.take('a')
    advance(60_000)
    expect(limiter.take('a').allowed).toBe(true)
  })

  it('bounds the number of tracked clients', () => {
    const { limiter } = limiterAt(1, 60_000, 3)
    for (const key of ['a', 'b', 'c', 'd']) limiter.take(key)
    // 'a' was the oldest window, so it was evicted to make room for 'd' and starts afresh.
    expect(limiter.take('a').allowed).toBe(true)
    expect(limiter.take('d').allowed).toBe(false)
  })

  it('evicts expired windows before live ones', () => {
    const { limiter, advance } = limiterAt(1, 60_000, 2)
    limiter.take('old')
    advance(30_000)
    limiter.take('live')
    advance(30_000)
    limiter.take('new')
    expect(limiter.take('live').allowed).toBe(false)
  })
})
