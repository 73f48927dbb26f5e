import type { Clock } from '../support/clock.js'

/** The verdict of {@link FixedWindowRateLimiter.take}. */
export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number }

interface Window {
  startedAt: number
  count: number
}

/**
 * Counts requests per client key in fixed windows. The number of tracked clients is bounded:
 * when the table is full, expired windows are dropped first, then the oldest ones.
 */
export class FixedWindowRateLimiter {
  readonly #windows = new Map<string, Window>()
  readonly #maxRequests: number
  readonly #windowMs: number
  readonly #maxClients: number
  readonly #clock: Clock

  constructor(maxRequests: number, windowMs: number, clock: Clock, maxClients = 10_000) {
    this.#maxRequests = maxRequests
    this.#windowMs = windowMs
    this.#clock = clock
    this.#maxClients = maxClients
  }

  /** Counts one request for `key` and returns whether it is within the limit. */
  take(key: string): RateLimitVerdict {
    const now = this.#clock().getTime()
    let window = this.#windows.get(key)
    if (!window || now - window.startedAt >= this.#windowMs) {
      this.#windows.delete(key)
      this.#makeRoom(now)
      window = { startedAt: now, count: 0 }
      this.#windows.set(key, window)
    }
    if (window.count >= this.#maxRequests) {
      const remainingMs = window.startedAt + this.#windowMs - now
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) }
    }
    window.count += 1
    return { allowed: true }
  }

  #makeRoom(now: number): void {
    if (this.#windows.size < this.#maxClients) return
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(key)
    }
    // Map iteration follows insertion order, so the first key is the oldest window.
    while (this.#windows.size >= this.#maxClients) {
      const oldest = this.#windows.keys().next().value
      if (oldest === undefined) break
      this.#windows.delete(oldest)
    }
  }
}
