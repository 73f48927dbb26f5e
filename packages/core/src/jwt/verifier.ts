import type { JwtAlgorithm, JwtHeader, JwtVerifierOptions, VerifyResult } from './types.js'
import type { AuthenticateResult, VerificationFailure } from './types.js'
import { failureOf, readBearerToken, reportFailure, unauthorized } from './authenticate.js'
import { checkClaims } from './claims.js'
import { checkHeader } from './header.js'
import { KeySet } from './key-set.js'
import type { PreparedKey } from './keys.js'
import { prepareSecrets } from './local-keys.js'
import { resolveOptions } from './options.js'
import type { VerifierConfig } from './options.js'
import { decodeJsonSegment, fail, isJsonObject, parseToken } from './parse.js'
import type { ParsedToken } from './parse.js'
import { SignatureChecker } from './signature.js'

/**
 * Verifies bearer JWTs (compact JWS) with keys fixed by the configuration.
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

  /**
   * Validates the options and prepares every key.
   *
   * @throws ConfigurationError `ERR_CONFIG_NO_VERIFICATION_KEY`, `ERR_CONFIG_KEY_INVALID` or
   *   `ERR_CONFIG_INVALID`; TypeError or RangeError for options of the wrong type or range.
   */
  constructor(options: JwtVerifierOptions) {
    this.#config = resolveOptions(options)
    const accepted = this.#config.header.algorithms
    const secrets = options.hs256 === undefined ? [] : prepareSecrets(options.hs256.secrets)
    this.#keys = new KeySet(this.#config.localSources, secrets, [], accepted)
    this.#signatures = new SignatureChecker(this.#config.asyncThreshold)
  }

  /**
   * Verifies a compact JWS and its claims.
   *
   * @throws JwtVerificationError with a stable `code`, for example `ERR_JWT_EXPIRED`,
   *   `ERR_JWT_SIGNATURE_INVALID` or `ERR_JWT_ALG_NOT_ALLOWED`.
   */
  async verify(token: string): Promise<VerifyResult> {
    const parsed = parseToken(token, this.#config.maxTokenBytes)
    const alg = checkHeader(parsed.header, this.#config.header)
    const kid = parsed.header.kid as string | undefined
    const selected = this.#keys.select(alg, kid, this.#nowMs())
    const candidates = selected instanceof Promise ? await selected : selected
    for (const key of candidates) {
      const checked = this.#signatures.check(
        key.params.get(alg)!,
        parsed.signingInput,
        parsed.signature,
      )
      const valid = typeof checked === 'boolean' ? checked : await checked
      if (valid) return this.#accept(parsed, alg, key)
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
   * Reads every `path` key source again. A key whose file changed stops verifying at once.
   *
   * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` when a file cannot be read or parsed;
   *   the previous keys then stay in use.
   */
  async reload(): Promise<void> {
    await this.#keys.reload()
  }

  /** Stops background JWKS refreshes and aborts fetches in flight. The verifier stays usable. */
  close(): void {}

  #accept(parsed: ParsedToken, alg: JwtAlgorithm, key: PreparedKey): VerifyResult {
    const payload = decodeJsonSegment(parsed.payloadSegment)
    if (!isJsonObject(payload)) fail('ERR_JWT_MALFORMED', 'JWT payload is not a JSON object')
    checkClaims(payload, this.#config.claims, Math.floor(this.#nowMs() / 1000))
    return {
      payload: payload,
      protectedHeader: parsed.header as JwtHeader,
      key: {
        ...(key.kid === undefined ? {} : { kid: key.kid }),
        algorithm: alg,
        source: key.source,
      },
    }
  }

  #nowMs(): number {
    return this.#config.clock === undefined ? Date.now() : this.#config.clock().getTime()
  }
}
