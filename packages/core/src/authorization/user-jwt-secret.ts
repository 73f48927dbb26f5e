import { ConfigurationError } from '../errors.js'
import { Secret } from '../secrets/secret.js'
import type { SecretInput } from '../secrets/secret.js'
import { checkSecretEntry, isInsideWindow } from '../jwt/secret-window.js'
import type { HmacSecretEntry } from '../jwt/secret-window.js'
import { systemClock } from '../support/clock.js'
import type { Clock } from '../support/clock.js'
import { warnOperator } from '../support/logger.js'
import type { Logger } from '../support/logger.js'

/** The environment variable that contains the HS256 secret of user JWTs. */
export const JWT_SECRET_VARIABLE = 'RUNBEAM_JWT_SECRET'
/** The environment variable that lists previous HS256 secrets, separated by commas or newlines. */
export const PREVIOUS_JWT_SECRETS_VARIABLE = 'RUNBEAM_JWT_SECRET_PREVIOUS'

// The Harmony development default: these 32 characters, used as UTF-8 bytes, not decoded.
const DEVELOPMENT_SECRET_TEXT = 'base64:your-secret-key-goes-here'
const MIN_SECRET_BYTES = 32

/** Inputs that decide which HS256 secrets verify user JWTs. */
export interface UserJwtSecretSources {
  jwtSecret: HmacSecretEntry | readonly HmacSecretEntry[] | undefined
  env: NodeJS.ProcessEnv
  production: boolean
  logger: Logger | undefined
  /** Window end of the secrets in `RUNBEAM_JWT_SECRET_PREVIOUS`. Default: none. */
  previousSecretNotAfter?: Date | undefined
  /** Decides which timed secrets have already ended. Default: the system clock. */
  clock?: Clock
}

/** A checked user JWT secret, with its window end when it has one. */
export type UserJwtSecret = Secret | { secret: Secret; notAfter: Date }

/**
 * Returns the HS256 secrets of user JWTs in the order they are tried. The `jwtSecret` option
 * comes first. Without it, `RUNBEAM_JWT_SECRET` is followed by each secret of
 * `RUNBEAM_JWT_SECRET_PREVIOUS`, which `previousSecretNotAfter` bounds. Without either, and only
 * outside production, the development default is used and a warning is logged. Secrets already
 * past their `notAfter` are left out.
 *
 * @throws ConfigurationError `ERR_CONFIG_JWT_SECRET_MISSING` in production without a secret, when
 *   every secret is past its `notAfter`, or when only `RUNBEAM_JWT_SECRET_PREVIOUS` is set.
 * @throws ConfigurationError `ERR_CONFIG_INVALID` for an empty or shorter than 32-byte secret.
 * @throws TypeError or RangeError for an entry or `previousSecretNotAfter` of the wrong type.
 */
export function resolveUserJwtSecrets(sources: UserJwtSecretSources): UserJwtSecret[] {
  const nowMs = (sources.clock ?? systemClock)().getTime()
  const notAfter = checkedNotAfter(sources.previousSecretNotAfter)
  if (sources.jwtSecret !== undefined) {
    if (notAfter !== undefined) {
      throw new TypeError(
        'previousSecretNotAfter applies to RUNBEAM_JWT_SECRET_PREVIOUS only; give jwtSecret ' +
          'entries as { secret, notAfter } instead',
      )
    }
    const entries = toList(sources.jwtSecret).map((entry) => checkedEntry(entry, 'jwtSecret'))
    return usableSecrets(entries, nowMs, 'jwtSecret')
  }
  const fromEnv = sources.env[JWT_SECRET_VARIABLE]
  const previous = previousSecretsOf(sources.env, notAfter)
  if (fromEnv !== undefined) {
    const entries = [checkedSecret(fromEnv, JWT_SECRET_VARIABLE), ...previous]
    const usable = usableSecrets(entries, nowMs, JWT_SECRET_VARIABLE)
    if (usable.length < entries.length) warnEndedPrevious(sources.logger)
    return usable
  }
  if (previous.length > 0 || sources.production) {
    throw new ConfigurationError(
      'ERR_CONFIG_JWT_SECRET_MISSING',
      `Set ${JWT_SECRET_VARIABLE} or the jwtSecret option; ` +
        (sources.production
          ? 'production has no default secret'
          : `${PREVIOUS_JWT_SECRETS_VARIABLE} alone is not enough`),
      { source: JWT_SECRET_VARIABLE },
    )
  }
  warnOperator(
    sources.logger,
    'HARMONY_AUTH_DEV_JWT_SECRET',
    `${JWT_SECRET_VARIABLE} is not set, so user JWTs are verified with the public development ` +
      'default secret; set a real secret before any deployment',
    { source: JWT_SECRET_VARIABLE },
  )
  return [new Secret(DEVELOPMENT_SECRET_TEXT)]
}

/**
 * Splits `RUNBEAM_JWT_SECRET_PREVIOUS` at commas and newlines, trims each entry and skips empty
 * ones, so a secret itself cannot contain a comma or a newline there.
 */
function previousSecretsOf(env: NodeJS.ProcessEnv, notAfter: Date | undefined): UserJwtSecret[] {
  const listed = (env[PREVIOUS_JWT_SECRETS_VARIABLE] ?? '')
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  return listed.map((entry) => {
    const secret = checkedSecret(entry, PREVIOUS_JWT_SECRETS_VARIABLE)
    return notAfter === undefined ? secret : { secret, notAfter }
  })
}

function usableSecrets(entries: UserJwtSecret[], nowMs: number, source: string): UserJwtSecret[] {
  const usable = entries.filter(
    (entry) => Secret.isSecret(entry) || isInsideWindow(entry.notAfter.getTime(), nowMs),
  )
  if (usable.length === 0) {
    throw new ConfigurationError(
      'ERR_CONFIG_JWT_SECRET_MISSING',
      `Every user JWT secret from ${source} is past its notAfter; add the current secret ` +
        'without an end',
      { source },
    )
  }
  return usable
}

function warnEndedPrevious(logger: Logger | undefined): void {
  warnOperator(
    logger,
    'HARMONY_AUTH_PREVIOUS_JWT_SECRET_ENDED',
    `${PREVIOUS_JWT_SECRETS_VARIABLE} is past previousSecretNotAfter and is ignored; remove it`,
    { source: PREVIOUS_JWT_SECRETS_VARIABLE },
  )
}

function checkedNotAfter(value: unknown): Date | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof Date)) throw new TypeError('previousSecretNotAfter must be a Date')
  if (Number.isNaN(value.getTime())) {
    throw new RangeError('previousSecretNotAfter is an invalid Date')
  }
  return value
}

function toList(value: HmacSecretEntry | readonly HmacSecretEntry[]): readonly HmacSecretEntry[] {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new RangeError('jwtSecret must list at least one secret')
    return value as readonly HmacSecretEntry[]
  }
  return [value as HmacSecretEntry]
}

function checkedEntry(entry: HmacSecretEntry, source: string): UserJwtSecret {
  const { input, notAfterMs } = checkSecretEntry(entry, source)
  const secret = checkedSecret(input, source)
  return notAfterMs === Infinity ? secret : { secret, notAfter: new Date(notAfterMs) }
}

function checkedSecret(input: SecretInput, source: string): Secret {
  if (typeof input !== 'string' && !(input instanceof Uint8Array) && !Secret.isSecret(input)) {
    throw new TypeError('jwtSecret must be a Secret, a string or a Uint8Array')
  }
  const secret = Secret.from(input)
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigurationError(
      'ERR_CONFIG_INVALID',
      `The user JWT secret from ${source} must be at least ${MIN_SECRET_BYTES} bytes`,
      { source },
    )
  }
  return secret
}
