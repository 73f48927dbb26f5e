import { isHarmonyAuthError, JwtVerificationError, TokenStoreError } from '../errors.js'
import { Secret } from '../secrets/secret.js'
import { checkAuthorizeOptions, checkUserClaims } from './authorize-input.js'
import { prepareClientOptions } from './client-options.js'
import type { PreparedClientOptions } from './client-options.js'
import { exchangeUserJwt } from './exchange.js'
import { checkedWithinDays, expiryStatusOf, warnAboutExpiry } from './expiry.js'
import type { ExchangeResponse } from './exchange-response.js'
import { trustedOriginOf } from './issuer-origin.js'
import type {
  AuthorizationClientOptions,
  AuthorizeOptions,
  AuthorizeResult,
  CheckExpiryOptions,
  ExpiryStatus,
  UserIdentity,
} from './types.js'

/**
 * Authorizes this gateway with the cloud control plane. It verifies a user JWT from the cloud
 * login and exchanges it for a machine token at the trusted cloud API origin that `iss` names.
 * The machine token is saved through the token store and never returned or logged.
 *
 * @example
 * ```ts
 * const client = new AuthorizationClient({
 *   jwtSecret: process.env.RUNBEAM_JWT_SECRET,
 *   trustedIssuers: ['https://api.runbeam.io'],
 *   tokenStore: openTokenStore({ instanceId: 'gateway-1' }),
 * })
 * const result = await client.authorize(userJwt, { gatewayCode: 'edge-1' })
 * console.log(result.gateway.id, result.expiresAt)
 * ```
 */
export class AuthorizationClient {
  readonly #options: PreparedClientOptions

  /**
   * Checks every option once; nothing is checked per request.
   *
   * @throws TypeError or RangeError for an option of the wrong type or out of range.
   * @throws ConfigurationError `ERR_CONFIG_JWT_SECRET_MISSING` in production without a secret,
   * `ERR_CONFIG_INVALID` for a secret under 32 bytes or a trusted issuer that is not a bare
   * origin, `ERR_CONFIG_ISSUER_NOT_ALLOWED` for an http issuer that is not allowed.
   */
  constructor(options: AuthorizationClientOptions) {
    this.#options = prepareClientOptions(options)
  }

  /**
   * Verifies a user JWT (HS256, required `iss`, `sub`, `exp`, `iat`) and checks that its issuer is
   * a trusted cloud API origin, without contacting the cloud.
   *
   * @throws JwtVerificationError with an `ERR_JWT_*` code when the token is invalid.
   * @throws AuthorizationError `ERR_AUTHORIZE_ISSUER_NOT_TRUSTED` when `iss` is not trusted.
   */
  async verifyUserToken(userJwt: string): Promise<UserIdentity> {
    if (typeof userJwt !== 'string') {
      throw new JwtVerificationError('ERR_JWT_MALFORMED', 'The user token must be a string')
    }
    const { payload } = await this.#options.verifier.verify(userJwt)
    const claims = checkUserClaims(payload)
    return {
      subject: claims.sub,
      origin: trustedOriginOf(claims.iss, this.#options.trustedOrigins),
    }
  }

  /**
   * Exchanges a user JWT for a machine token and saves it. The old token stays when any step
   * fails.
   *
   * @throws AuthorizationError `ERR_AUTHORIZE_INVALID_REQUEST` for invalid options,
   * `ERR_AUTHORIZE_ISSUER_NOT_TRUSTED` (no request is sent), `ERR_AUTHORIZE_UPSTREAM_FAILED`,
   * `ERR_AUTHORIZE_UPSTREAM_TIMEOUT`, `ERR_AUTHORIZE_UPSTREAM_REDIRECT` or
   * `ERR_AUTHORIZE_BAD_RESPONSE`.
   * @throws JwtVerificationError with an `ERR_JWT_*` code when the user JWT is invalid.
   * @throws TokenStoreError `ERR_TOKEN_STORE_WRITE_FAILED` when the token cannot be saved.
   * @example
   * ```ts
   * const { gateway, expiresAt } = await client.authorize(userJwt, {
   *   gatewayCode: 'edge-1',
   *   metadata: { version: '1.4.0' },
   * })
   * ```
   */
  async authorize(userJwt: string, options: AuthorizeOptions): Promise<AuthorizeResult> {
    const { logger } = this.#options
    const request = checkAuthorizeOptions(options)
    const gatewayCode = request.gatewayCode
    try {
      const identity = await this.verifyUserToken(userJwt)
      const reply = await exchangeUserJwt(
        { ...request, origin: identity.origin, userJwt },
        this.#options.exchange,
      )
      await this.#save(reply)
      logger.info(
        { gatewayCode, gatewayId: reply.gateway.id, expiresAt: reply.expiresAt.toISOString() },
        'Gateway authorized with the cloud API',
      )
      return {
        gateway: reply.gateway,
        expiresAt: reply.expiresAt,
        expiresIn: Math.floor(reply.expiresIn),
        abilities: reply.abilities,
      }
    } catch (error) {
      if (isHarmonyAuthError(error)) {
        const fields = { gatewayCode, code: error.code, status: error.details.status }
        logger.warn(fields, 'Gateway authorization failed')
      }
      throw error
    }
  }

  /**
   * Loads the stored machine token and warns when it is missing, expired or expires within
   * `withinDays` days, so operators re-authorize in time.
   *
   * @throws RangeError when `withinDays` is not a number of days from 0.
   * @throws TokenStoreError when the stored token cannot be read.
   * @example
   * ```ts
   * const status = await client.checkExpiry({ withinDays: 14 })
   * if (status.state !== 'valid') scheduleReauthorization()
   * ```
   */
  async checkExpiry(options: CheckExpiryOptions = {}): Promise<ExpiryStatus> {
    const withinDays = checkedWithinDays(options.withinDays)
    const token = await this.#options.tokenStore.load()
    const status = expiryStatusOf(token, this.#options.clock(), withinDays)
    warnAboutExpiry(this.#options.operatorLogger, status, token, withinDays)
    return status
  }

  async #save(reply: ExchangeResponse): Promise<void> {
    try {
      await this.#options.tokenStore.save({
        machineToken: new Secret(reply.machineToken),
        expiresAt: reply.expiresAt,
        gatewayId: reply.gateway.id,
        gatewayCode: reply.gateway.code,
        abilities: reply.abilities,
        issuedAt: this.#options.clock(),
      })
    } catch (error) {
      if (isHarmonyAuthError(error, 'ERR_TOKEN_STORE_WRITE_FAILED')) throw error
      throw new TokenStoreError(
        'ERR_TOKEN_STORE_WRITE_FAILED',
        'The machine token could not be saved',
        {
          cause: error,
        },
      )
    }
  }
}
