import type {
  AuthenticateResult,
  JwtHeader,
  JwtVerifierOptions,
  RemoteJwksKeySource,
  VerificationFailure,
  VerifyResult,
} from './types.js'
import { JwksError, JwtVerificationError } from '../errors.js'
import { failureOf, readBearerToken, reportFailure, unauthorized } from './authenticate.js'
import { VerifiedTokenCache } from './cache.js'
import { checkClaims } from './claims.js'
import { HeaderReader } from './header.js'
import type { CheckedHeader } from './header.js'
import { KeySet } from './key-set.js'
import type { PreparedKey, SignatureParams } from './keys.js'
import { prepareSecrets } from './local-keys.js'
import { readClock } from './option-checks.js'
import { resolveOptions } from './options.js'
import type { VerifierConfig } from './options.js'
import { decodeJsonSegment, fail, isJsonObject, parseToken } from './parse.js'
import { RemoteJwks } from './remote-jwks.js'
import { isInsideWindow } from './secret-window.js'
import { SignatureChecker } from './signature.js'

/**
 * Verifies bearer JWTs (compact JWS) against the keys of its configuration. Every option is checked
 * and every key prepared in the constructor, so `verify` does only per-token work.
 *
 * @example
 * ```ts
 * const verifier = new JwtVerifier({
 *   keys: [{ pem: publicKeyPem }],
 *   issuer: 'https://idp.example',
 *   audience: 'gateway',
 * })
 * const { payload } = await verifier.verify(token)
 * ```
 */
export class JwtVerifier {
  readonly #config: VerifierConfig
  readonly #keys: KeySet
  readonly #signatures: SignatureChecker
  readonly #headers: HeaderReader
  readonly #cache: VerifiedTokenCache | undefined
  readonly #closing = new AbortController()
  readonly #now: () => number

  /**
   * Validates the options and prepares every key.
   *
   * @throws ConfigurationError `ERR_CONFIG_NO_VERIFICATION_KEY`, `ERR_CONFIG_KEY_INVALID` or
   *   `ERR_CONFIG_INVALID`; TypeError or RangeError for options of the wrong type or range.
   */
  constructor(options: JwtVerifierOptions) {
    const config = resolveOptions(options)
    this.#config = config
    const clock = config.clock
    this.#now = clock === undefined ? Date.now : () => readClock(clock)
    const secrets =
      options.hs256 === undefined ? [] : prepareSecrets(options.hs256.secrets, this.#now())
    const remotes = config.remoteSources.map(
      (source) =>
        new RemoteJwks(source as RemoteJwksKeySource, {
          accepted: config.header.algorithms,
          logger: config.logger,
          nowMs: this.#now,
          onChange: () => this.#keysChanged(),
          closed: this.#closing.signal,
        }),
    )
    this.#keys = new KeySet(config.localSources, secrets, remotes, config.header.algorithms)
    this.#signatures = new SignatureChecker(config.asyncThreshold)
    this.#headers = new HeaderReader(config.header)
    this.#cache =
      config.cache &&
      new VerifiedTokenCache(config.cache.maxEntries, config.cache.ttlMs, config.identity)
  }

  /**
   * Verifies a compact JWS and its claims. With the cache on, results are frozen and shared
   * between calls for the same token.
   *
   * @throws JwtVerificationError with a stable `code`, for example `ERR_JWT_EXPIRED`,
   *   `ERR_JWT_SIGNATURE_INVALID` or `ERR_JWT_ALG_NOT_ALLOWED`, or an `ERR_JWKS_*` code with the
   *   {@link JwksError} as `cause` when a remote key set is needed and cannot be fetched.
   * @throws ConfigurationError `ERR_CONFIG_INVALID` when the `clock` option returns no valid Date.
   */
  async verify(token: string): Promise<VerifyResult> {
    const nowMs = this.#now()
    // The length check keeps an oversized token from being hashed before parseToken rejects it.
    const cache =
      typeof token === 'string' && token.length <= this.#config.maxTokenBytes
        ? this.#cache
        : undefined
    const cacheKey = cache?.keyOf(token)
    if (cacheKey !== undefined) {
      // A cache hit skips key selection, which is where remote key sets are refreshed and expired.
      this.#keys.poll(nowMs)
      const cached = this.#cache!.get(cacheKey, nowMs)
      if (cached !== undefined) return cached
    }

    const parsed = parseToken(token, this.#config.maxTokenBytes)
    const { header, alg, kid } = this.#headers.read(parsed.headerSegment)
    const selected = this.#keys.select(alg, kid, nowMs)
    const candidates =
      selected instanceof Promise ? await selected.catch(asVerificationError) : selected
    for (const key of candidates) {
      if (key.notAfterMs !== undefined && !isInsideWindow(key.notAfterMs, nowMs)) continue
      const params = key.params.get(alg)!
      const checked = this.#signatures.check(params, parsed.signingInput, parsed.signature)
      const valid = typeof checked === 'boolean' ? checked : await checked
      if (valid) return this.#accept(parsed.payloadSegment, header, key, params, nowMs, cacheKey)
    }
    fail('ERR_JWT_SIGNATURE_INVALID', 'JWT signature is invalid', kid === undefined ? {} : { kid })
  }

  /**
   * Verifies the bearer token of an `Authorization` header value and returns either the result or
   * the complete HTTP 401 reply (RFC 6750). Failure codes go to the logger at debug level and to
   * `onFailure`, never into the reply.
   *
   * @throws Only errors the SDK did not raise itself, such as a bug; every verification and JWKS
   *   failure becomes a 401 reply.
   * @example
   * ```ts
   * const result = await verifier.authenticate(request.headers.authorization)
   * if (!result.ok) return response.writeHead(result.status, result.headers).end(result.body)
   * ```
   */
  async authenticate(
    headerValue: string | readonly string[] | undefined,
  ): Promise<AuthenticateResult> {
    const bearer = readBearerToken(headerValue)
    let failure: VerificationFailure
    if ('token' in bearer) {
      try {
        return { ok: true, ...(await this.verify(bearer.token)) }
      } catch (error) {
        failure = failureOf(error)
      }
    } else {
      failure = { code: bearer.code }
    }
    reportFailure(failure, this.#config.logger, this.#config.onFailure)
    return unauthorized(failure.code)
  }

  /**
   * Reads every `path` key source again. A key whose file changed stops verifying at once, and
   * its cached results are dropped.
   *
   * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` when a file cannot be read or parsed;
   *   the previous keys then stay in use.
   */
  async reload(): Promise<void> {
    await this.#keys.reload()
    this.#cache?.purgeRevoked()
  }

  /** Aborts JWKS fetches in flight; later fetches fail at once. Local keys keep verifying. */
  close(): void {
    this.#closing.abort()
  }

  #accept(
    payloadSegment: string,
    header: CheckedHeader['header'],
    key: PreparedKey,
    params: SignatureParams,
    nowMs: number,
    cacheKey: string | undefined,
  ): VerifyResult {
    const payload = decodeJsonSegment(payloadSegment)
    if (!isJsonObject(payload)) fail('ERR_JWT_MALFORMED', 'JWT payload is not a JSON object')
    const validUntilMs = checkClaims(payload, this.#config.claims, Math.floor(nowMs / 1000))
    const result: VerifyResult = {
      payload,
      protectedHeader: header as JwtHeader,
      key: params.verifiedKey,
    }
    if (cacheKey === undefined || key.revoked) return result
    return this.#cache!.set(cacheKey, result, key, validUntilMs, nowMs)
  }

  #keysChanged(): void {
    // The constructor builds the key set after the remote sources, which call this only later.
    this.#keys?.rebuild()
    this.#cache?.purgeRevoked()
  }
}

/** Turns a JWKS failure into a verification failure with the same code, so callers map one class. */
function asVerificationError(error: unknown): never {
  if (error instanceof JwksError) {
    throw new JwtVerificationError(
      error.code,
      'JWT could not be verified: the JWKS is unavailable',
      {
        cause: error,
        ...error.details,
      },
    )
  }
  throw error
}
