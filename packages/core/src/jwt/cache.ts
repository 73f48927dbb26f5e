import { hash } from 'node:crypto'
import { deepFreeze } from './freeze.js'
import type { PreparedKey } from './keys.js'
import type { VerifyResult } from './types.js'

interface CacheEntry {
  result: VerifyResult
  key: PreparedKey
  expiresAtMs: number
  /** Value of the cache's use counter when the entry was last moved to the recent end. */
  usedAt: number
}

/**
 * A bounded, approximately LRU cache of verified tokens. Entries are keyed by the verifier's
 * configuration identity and the SHA-256 of the token, so the cache stores no token text. An
 * entry ends at the earlier of its token's time limits and the TTL, and as soon as the key that
 * verified it is revoked. Failures are never stored.
 *
 * A hit moves its entry to the recent end only when the entry is in the older half of the map, so
 * most hits write nothing. Eviction removes the first entry in map order.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, CacheEntry>()
  readonly #maxEntries: number
  readonly #ttlMs: number
  readonly #identity: string
  readonly #refreshDistance: number
  #uses = 0

  constructor(maxEntries: number, ttlMs: number, identity: string) {
    this.#maxEntries = maxEntries
    this.#ttlMs = ttlMs
    this.#identity = `${identity}.`
    this.#refreshDistance = Math.max(1, Math.floor(maxEntries / 2))
  }

  /** Returns the cache key of `token`. */
  keyOf(token: string): string {
    return this.#identity + hash('sha256', token, 'base64')
  }

  /** Returns the cached result, or undefined when there is none or it no longer holds. */
  get(cacheKey: string, nowMs: number): VerifyResult | undefined {
    const entry = this.#entries.get(cacheKey)
    if (entry === undefined) return undefined
    if (entry.key.revoked || nowMs >= entry.expiresAtMs) {
      this.#entries.delete(cacheKey)
      return undefined
    }
    if (this.#uses - entry.usedAt >= this.#refreshDistance) {
      this.#entries.delete(cacheKey)
      entry.usedAt = ++this.#uses
      this.#entries.set(cacheKey, entry)
    }
    return entry.result
  }

  /** Stores a verified result, frozen, and returns it. */
  set(
    cacheKey: string,
    result: VerifyResult,
    key: PreparedKey,
    validUntilMs: number,
    nowMs: number,
  ): VerifyResult {
    // A timed HS256 secret's window end bounds the entry too, so no result outlives its secret.
    const expiresAtMs = Math.min(validUntilMs, key.notAfterMs ?? Infinity, nowMs + this.#ttlMs)
    if (expiresAtMs <= nowMs) return result
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    const usedAt = ++this.#uses
    this.#entries.set(cacheKey, { result: deepFreeze(result), key, expiresAtMs, usedAt })
    return result
  }

  /** Drops the entries of revoked keys. */
  purgeRevoked(): void {
    for (const [cacheKey, entry] of this.#entries) {
      if (entry.key.revoked) this.#entries.delete(cacheKey)
    }
  }

  get size(): number {
    return this.#entries.size
  }
}
