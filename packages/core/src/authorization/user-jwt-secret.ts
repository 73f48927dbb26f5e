import { ConfigurationError } from '../errors.js'
import { Secret } from '../secrets/secret.js'
import type { SecretInput } from '../secrets/secret.js'
import { warnOperator } from '../support/logger.js'
import type { Logger } from '../support/logger.js'

/** The environment variable that contains the HS256 secret of user JWTs. */
export const JWT_SECRET_VARIABLE = 'RUNBEAM_JWT_SECRET'

// The Harmony development default: these 32 characters, used as UTF-8 bytes, not decoded.
const DEVELOPMENT_SECRET_TEXT = 'base64:your-secret-key-goes-here'
const MIN_SECRET_BYTES = 32

/** Inputs that decide which HS256 secrets verify user JWTs. */
export interface UserJwtSecretSources {
  jwtSecret: SecretInput | readonly SecretInput[] | undefined
  env: NodeJS.ProcessEnv
  production: boolean
  logger: Logger | undefined
}

/**
 * Returns the HS256 secrets of user JWTs, in the order they are tried: the `jwtSecret` option,
 * else `RUNBEAM_JWT_SECRET`, else (outside production only) the development default, which logs
 * a warning.
 *
 * @throws ConfigurationError `ERR_CONFIG_JWT_SECRET_MISSING` in production without a secret.
 * @throws ConfigurationError `ERR_CONFIG_INVALID` for an empty or shorter than 32-byte secret.
 */
export function resolveUserJwtSecrets(sources: UserJwtSecretSources): Secret[] {
  if (sources.jwtSecret !== undefined) {
    return toList(sources.jwtSecret).map((input) => checkedSecret(input, 'jwtSecret'))
  }
  const fromEnv = sources.env[JWT_SECRET_VARIABLE]
  if (fromEnv !== undefined) return [checkedSecret(fromEnv, JWT_SECRET_VARIABLE)]
  if (sources.production) {
    throw new ConfigurationError(
      'ERR_CONFIG_JWT_SECRET_MISSING',
      `Set ${JWT_SECRET_VARIABLE} or the jwtSecret option; production has no default secret`,
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

function toList(value: SecretInput | readonly SecretInput[]): readonly SecretInput[] {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new RangeError('jwtSecret must list at least one secret')
    return value as readonly SecretInput[]
  }
  return [value as SecretInput]
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
