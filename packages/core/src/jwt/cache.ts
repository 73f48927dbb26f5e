import { hash } from 'node:crypto'
import { deepFreeze } from './freeze.js'
import type { PreparedKey } from './keys.js'
import type { VerifyResult } from './types.js'

interface CacheEntry {
  result: VerifyResult
  key: PreparedKey
  expiresAtMs: number
}

/**
 * A bounded LRU cache of verified tokens. Entries are keyed by the verifier's configuration
 * identity and the SHA-256 of the token, so the cache stores no token text. An entry ends at the
 * earlier of its token's time limits and the TTL, and as soon as the key that verified it is
 * revoked. Failures are never stored.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, CacheEntry>()
  readonly #maxEntries: number
  readonly #ttlMs: number
  readonly #identity: string

  constructor(maxEntries: number, ttlMs: number, identity: string) {
    this.#maxEntries = maxEntries
    this.#ttlMs = ttlMs
    this.#identity = `${identity}.`
  }

  /** Returns the cache key of `token`. */
  keyOf(token: string): string {
    return this.#identity + hash('sha256', token, 'base64')
  }

  /** Returns the cached result, or undefined when there is none or it no longer holds. */
  get(cacheKey: string, nowMs: number): VerifyResult | undefined {
    const entry = this.#entries.get(cacheKey)
    if (entry === undefined) return undefined
    this.#entries.delete(cacheKey)
    if (entry.key.revoked || nowMs >= entry.expiresAtMs) return undefined
    this.#entries.set(cacheKey, entry)
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
    this.#entries.set(cacheKey, { result: deepFreeze(result), key, expiresAtMs })
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
