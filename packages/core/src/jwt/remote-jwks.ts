import { isHarmonyAuthError } from '../errors.js'
import type { HarmonyAuthError } from '../errors.js'
import type { Logger } from '../support/logger.js'
import type { JsonWebKeyInput, RemoteJwksKeySource } from './types.js'
import { fetchJwks, parseJwksUrl } from './jwks-fetch.js'
import { integerOption, numberOption } from './option-checks.js'
import type { FetchLimits } from './jwks-fetch.js'
import type { DynamicKeySource } from './key-set.js'
import { prepareKey, publicKeyFromJwk } from './keys.js'
import type { PreparedKey } from './keys.js'

/** The parts of its verifier that a remote JWKS uses. */
export interface RemoteJwksContext {
  accepted: ReadonlySet<string>
  logger: Logger
  nowMs: () => number
  /** Called after the key set changed, so the verifier rebuilds its index. */
  onChange: () => void
  closed: AbortSignal
}

const MAX_UNKNOWN_KIDS = 10_000

/**
 * A JWKS fetched over HTTPS. The set is refreshed in the background once it is older than
 * `maxAgeSeconds`, and its keys keep verifying while refreshes fail until `staleSeconds` more have
 * passed. An unknown `kid` starts at most one refresh per `cooldownSeconds`, all callers share
 * one fetch in flight, and a key that a successful refresh no longer lists is revoked at once.
 */
export class RemoteJwks implements DynamicKeySource {
  readonly #url: URL
  readonly #limits: FetchLimits
  readonly #maxAgeMs: number
  readonly #cooldownMs: number
  readonly #staleMs: number
  readonly #context: RemoteJwksContext
  #keys: readonly PreparedKey[] = []
  #fetchedAt = -Infinity
  #attemptedAt = -Infinity
  #lastError: HarmonyAuthError | undefined
  #refreshing: Promise<void> | undefined
  readonly #unknownKids = new Map<string, number>()

  /** @throws TypeError, RangeError or ConfigurationError `ERR_CONFIG_INVALID` for bad options. */
  constructor(source: RemoteJwksKeySource, context: RemoteJwksContext) {
    this.#url = parseJwksUrl(source.jwksUrl)
    this.#limits = {
      timeoutMs: integerOption(source.timeoutMs, 'timeoutMs', 1, 60_000, 5000),
      maxResponseBytes: integerOption(
        source.maxResponseBytes,
        'maxResponseBytes',
        1,
        2 ** 24,
        65_536,
      ),
      maxKeys: integerOption(source.maxKeys, 'maxKeys', 1, 10_000, 100),
    }
    this.#maxAgeMs = numberOption(source.maxAgeSeconds, 'maxAgeSeconds', 1, 600, 600) * 1000
    this.#cooldownMs = numberOption(source.cooldownSeconds, 'cooldownSeconds', 0, 3600, 30) * 1000
    this.#staleMs = numberOption(source.staleSeconds, 'staleSeconds', 0, 86_400, 3600) * 1000
    this.#context = context
  }

  get keys(): readonly PreparedKey[] {
    return this.#keys
  }

  ready(nowMs: number): Promise<void> | undefined {
    const age = nowMs - this.#fetchedAt
    if (age < this.#maxAgeMs) return undefined
    if (age < this.#maxAgeMs + this.#staleMs) {
      // Stale but usable: verify with the keys at hand and refresh in the background.
      if (this.#mayRefresh(nowMs)) void this.#refresh(nowMs).catch(() => undefined)
      return undefined
    }
    if (this.#keys.length > 0) this.#replace([])
    if (this.#refreshing) return this.#refreshing
    if (!this.#mayRefresh(nowMs) && this.#lastError) return Promise.reject(this.#lastError)
    return this.#refresh(nowMs)
  }

  refreshForKid(kid: string, nowMs: number): Promise<void> | undefined {
    const ignore = (): undefined => undefined
    if (this.#refreshing) return this.#refreshing.catch(ignore)
    if ((this.#unknownKids.get(kid) ?? -Infinity) > nowMs) return undefined
    if (!this.#mayRefresh(nowMs)) {
      this.#rememberUnknown(kid, this.#attemptedAt + this.#cooldownMs)
      return undefined
    }
    return this.#refresh(nowMs).then(() => {
      if (!this.#keys.some((key) => key.kid === kid))
        this.#rememberUnknown(kid, nowMs + this.#cooldownMs)
    }, ignore)
  }

  #mayRefresh(nowMs: number): boolean {
    return this.#refreshing === undefined && nowMs - this.#attemptedAt >= this.#cooldownMs
  }

  #rememberUnknown(kid: string, untilMs: number): void {
    if (this.#unknownKids.size >= MAX_UNKNOWN_KIDS) this.#unknownKids.clear()
    this.#unknownKids.set(kid, untilMs)
  }

  /** Starts the single fetch in flight. */
  #refresh(nowMs: number): Promise<void> {
    this.#attemptedAt = nowMs
    const refreshing = fetchJwks(this.#url, this.#limits, this.#context.closed).then(
      (jwks) => {
        this.#fetchedAt = this.#context.nowMs()
        this.#lastError = undefined
        this.#unknownKids.clear()
        this.#replace(this.#prepare(jwks))
      },
      (error: unknown) => {
        this.#lastError = isHarmonyAuthError(error) ? error : undefined
        this.#context.logger.warn(
          {
            code: this.#lastError?.code,
            url: `${this.#url.origin}${this.#url.pathname}`,
            keys: this.#keys.length,
          },
          'JWKS refresh failed; the keys fetched before stay in use until they are too old',
        )
        throw error
      },
    )
    this.#refreshing = refreshing.finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  /** Imports the usable keys of a fetched set, keeping the key objects of unchanged keys. */
  #prepare(jwks: unknown[]): PreparedKey[] {
    const previous = new Map(this.#keys.map((key) => [key.fingerprint, key]))
    const fresh: PreparedKey[] = []
    for (const jwk of jwks) {
      try {
        const input = jwk as JsonWebKeyInput
        const kid = typeof input.kid === 'string' && input.kid !== '' ? input.kid : undefined
        const pinned = typeof input.alg === 'string' ? input.alg : undefined
        const key = prepareKey(
          publicKeyFromJwk(input),
          { kid, pinned, source: 'jwksUrl' },
          this.#context.accepted,
        )
        fresh.push(previous.get(key.fingerprint) ?? key)
      } catch (error) {
        this.#context.logger.debug({ err: error }, 'JWKS key skipped: not usable by this verifier')
      }
    }
    return fresh
  }

  #replace(keys: readonly PreparedKey[]): void {
    const kept = new Set(keys)
    for (const key of this.#keys) if (!kept.has(key)) key.revoked = true
    this.#keys = keys
    this.#context.onChange()
  }
}
