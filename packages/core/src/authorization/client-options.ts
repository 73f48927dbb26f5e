import { setTimeout as delay } from 'node:timers/promises'
import { JwtVerifier } from '../jwt/verifier.js'
import { systemClock } from '../support/clock.js'
import type { Clock } from '../support/clock.js'
import { silentLogger } from '../support/logger.js'
import type { Logger } from '../support/logger.js'
import type { ExchangeSettings } from './exchange.js'
import { normalizeTrustedIssuers } from './issuer-origin.js'
import { checkedInteger, retryPolicyOf } from './retry.js'
import type { AuthorizationClientOptions, MachineTokenStore } from './types.js'
import { resolveUserJwtSecrets } from './user-jwt-secret.js'

/** The client's options after checking, with every default filled in. */
export interface PreparedClientOptions {
  verifier: JwtVerifier
  trustedOrigins: ReadonlySet<string>
  tokenStore: MachineTokenStore
  exchange: ExchangeSettings
  clock: Clock
  logger: Logger
  /** The logger as given, `undefined` when none was, so operator warnings can fall back. */
  operatorLogger: Logger | undefined
}

const LEEWAY_SECONDS = 60

/**
 * Checks every option of `AuthorizationClient` once and builds the verifier and exchange
 * settings.
 *
 * @throws TypeError or RangeError for an option of the wrong type or out of range.
 * @throws ConfigurationError `ERR_CONFIG_JWT_SECRET_MISSING`, `ERR_CONFIG_INVALID` or
 * `ERR_CONFIG_ISSUER_NOT_ALLOWED`.
 */
export function prepareClientOptions(options: AuthorizationClientOptions): PreparedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('AuthorizationClient options must be an object')
  }
  const env = checkedEnv(options.env)
  const production = isProduction(options.environment, env)
  const logger = checkedLogger(options.logger)
  const clock = checkedFunction('clock', options.clock) ?? systemClock

  const trustedOrigins = normalizeTrustedIssuers(checkedIssuers(options.trustedIssuers), production)
  const tokenStore = checkedTokenStore(options.tokenStore)
  const exchange = exchangeSettingsOf(options, clock, logger ?? silentLogger)
  const audience = options.audience === undefined ? undefined : checkedAudience(options.audience)

  // Secrets come last so the development-default warning is logged only for a valid configuration.
  const secrets = resolveUserJwtSecrets({
    jwtSecret: options.jwtSecret,
    previousSecretNotAfter: options.previousSecretNotAfter,
    env,
    production,
    logger,
    clock,
  })
  const verifier = new JwtVerifier({
    algorithms: ['HS256'],
    hs256: { secrets },
    requiredClaims: ['iss', 'sub', 'iat'],
    leewaySeconds: LEEWAY_SECONDS,
    clock,
    ...(logger ? { logger } : {}),
    ...(audience === undefined ? {} : { audience }),
  })

  return {
    verifier,
    trustedOrigins,
    tokenStore,
    exchange,
    clock,
    logger: logger ?? silentLogger,
    operatorLogger: logger,
  }
}

function exchangeSettingsOf(
  options: AuthorizationClientOptions,
  clock: Clock,
  logger: Logger,
): ExchangeSettings {
  const fetchFunction = checkedFunction('fetch', options.fetch) ?? globalThis.fetch
  return {
    fetch: fetchFunction,
    timeoutMs: checkedInteger('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000),
    maxResponseBytes: checkedInteger(
      'maxResponseBytes',
      options.maxResponseBytes ?? 1024 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    retry: retryPolicyOf(options.retry),
    clock,
    logger,
    sleep:
      checkedFunction('sleep', options.sleep) ??
      ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal })),
    random: checkedFunction('random', options.random) ?? Math.random,
  }
}

function isProduction(environment: unknown, env: NodeJS.ProcessEnv): boolean {
  if (environment === undefined) return env.NODE_ENV === 'production'
  if (environment !== 'production' && environment !== 'development') {
    throw new RangeError("environment must be 'production' or 'development'")
  }
  return environment === 'production'
}

function checkedEnv(env: unknown): NodeJS.ProcessEnv {
  if (env === undefined) return process.env
  if (typeof env !== 'object' || env === null) throw new TypeError('env must be an object')
  return env as NodeJS.ProcessEnv
}

function checkedIssuers(issuers: unknown): readonly string[] {
  if (!Array.isArray(issuers) || issuers.some((issuer) => typeof issuer !== 'string')) {
    throw new TypeError('trustedIssuers must be an array of origin strings')
  }
  if (issuers.length === 0) throw new RangeError('trustedIssuers must list at least one origin')
  return issuers as readonly string[]
}

function checkedAudience(audience: unknown): string | readonly string[] {
  const list: unknown[] = Array.isArray(audience) ? audience : [audience]
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    throw new TypeError('audience must be a non-empty string or an array of them')
  }
  return audience as string | readonly string[]
}

function checkedTokenStore(store: unknown): MachineTokenStore {
  const candidate = store as Partial<MachineTokenStore> | null | undefined
  if (typeof candidate?.save !== 'function' || typeof candidate.load !== 'function') {
    throw new TypeError('tokenStore must have save() and load() methods, like TokenStore')
  }
  return candidate as MachineTokenStore
}

function checkedLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined
  const methods = ['debug', 'info', 'warn', 'error'] as const
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError('logger must have debug, info, warn and error methods')
  }
  const candidate = logger as Record<string, unknown>
  if (methods.some((method) => typeof candidate[method] !== 'function')) {
    throw new TypeError('logger must have debug, info, warn and error methods')
  }
  return logger as Logger
}

function checkedFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name} must be a function`)
  }
  return value
}
