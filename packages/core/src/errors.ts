/**
 * Every error code the SDK raises. Codes are stable: callers and tests match on `code`, never on
 * message text, and a code is never reused for another condition.
 */
export const ERROR_CODES = [
  // Configuration, raised at construction.
  'ERR_CONFIG_INVALID',
  'ERR_CONFIG_NO_VERIFICATION_KEY',
  'ERR_CONFIG_JWT_SECRET_MISSING',
  'ERR_CONFIG_KEY_INVALID',
  'ERR_CONFIG_ISSUER_NOT_ALLOWED',
  // Verification of bearer and user JWTs.
  'ERR_JWT_MALFORMED',
  'ERR_JWT_TOO_LARGE',
  'ERR_JWT_JWE_NOT_SUPPORTED',
  'ERR_JWT_HEADER_INVALID',
  'ERR_JWT_ALG_NOT_ALLOWED',
  'ERR_JWT_TYP_INVALID',
  'ERR_JWT_CRIT_UNSUPPORTED',
  'ERR_JWT_KEY_NOT_FOUND',
  'ERR_JWT_KEY_AMBIGUOUS',
  'ERR_JWT_SIGNATURE_INVALID',
  'ERR_JWT_CLAIMS_INVALID',
  'ERR_JWT_CLAIM_MISSING',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_ISSUED_IN_FUTURE',
  'ERR_JWT_TOO_OLD',
  'ERR_JWT_ISSUER_INVALID',
  'ERR_JWT_AUDIENCE_INVALID',
  'ERR_JWT_AUTHORIZATION_HEADER_MISSING',
  'ERR_JWT_AUTHORIZATION_HEADER_INVALID',
  // Remote JWKS.
  'ERR_JWKS_FETCH_FAILED',
  'ERR_JWKS_TIMEOUT',
  'ERR_JWKS_INVALID',
  'ERR_JWKS_TOO_LARGE',
  // Encryption keys.
  'ERR_KEY_INVALID',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_GENERATION_FAILED',
  'ERR_KEY_DECRYPT_FAILED',
  'ERR_KEY_CIPHERTEXT_INVALID',
  // Token store.
  'ERR_TOKEN_STORE_DECRYPT_FAILED',
  'ERR_TOKEN_STORE_CORRUPT',
  'ERR_TOKEN_STORE_PLAINTEXT',
  'ERR_TOKEN_STORE_INVALID_RECORD',
  'ERR_TOKEN_STORE_WRITE_FAILED',
  'ERR_TOKEN_STORE_READ_FAILED',
  // Secret stores and their adapters.
  'ERR_SECRET_NOT_FOUND',
  'ERR_SECRET_INVALID_NAME',
  'ERR_SECRET_SYMLINK',
  'ERR_SECRET_CONFLICT',
  'ERR_SECRET_ACCESS_DENIED',
  'ERR_SECRET_STORE_FAILED',
  'ERR_SECRET_LOCK_FAILED',
  // Authorization with the cloud API.
  'ERR_AUTHORIZE_ISSUER_NOT_TRUSTED',
  'ERR_AUTHORIZE_INVALID_REQUEST',
  'ERR_AUTHORIZE_UPSTREAM_FAILED',
  'ERR_AUTHORIZE_UPSTREAM_TIMEOUT',
  'ERR_AUTHORIZE_UPSTREAM_REDIRECT',
  'ERR_AUTHORIZE_BAD_RESPONSE',
  // Key rotation, backup and restore.
  'ERR_ROTATION_UNDECRYPTABLE',
  'ERR_ROTATION_IN_PROGRESS',
  'ERR_ROTATION_NOT_IN_PROGRESS',
  'ERR_ROTATION_ABORTED',
  'ERR_ROTATION_VERIFY_FAILED',
  'ERR_ROTATION_PREVIOUS_KEY_IN_USE',
  'ERR_BACKUP_INVALID',
  'ERR_BACKUP_DECRYPT_FAILED',
  'ERR_BACKUP_MISMATCH',
  // Features this build does not provide.
  'ERR_NOT_SUPPORTED',
] as const

/** A stable error code of the form `ERR_<AREA>_<CONDITION>`. */
export type HarmonyAuthErrorCode = (typeof ERROR_CODES)[number]

/** Safe context attached to an error. It never contains a token, key or secret value. */
export interface ErrorDetails {
  /** The claim that failed a check, for example `exp`. */
  claim?: string
  /** The `kid` of the key involved. Hostile values are truncated to 64 characters. */
  kid?: string
  /** The name of the secret or token involved. */
  secretName?: string
  /** The secret store provider, for example `filesystem`. */
  provider?: string
  /** The environment variable or file that held the value. */
  source?: string
  /** HTTP status of an upstream reply. */
  status?: number
  /** Names of the entries a bulk operation could not process. */
  names?: readonly string[]
}

/** Options for {@link HarmonyAuthError}. */
export interface HarmonyAuthErrorOptions extends ErrorDetails {
  /** The lower-level error that caused this one. */
  cause?: unknown
}

const KID_LIMIT = 64

// Marks instances across the ESM and CJS builds, which each have their own class object.
const BRAND = Symbol.for('@harmony-auth/core.HarmonyAuthError')

/**
 * Base class of every error the SDK raises on purpose. Each instance has a stable `code`; messages
 * are fixed phrases that never contain a token, key or secret value.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token)
 * } catch (error) {
 *   if (error instanceof HarmonyAuthError && error.code === 'ERR_JWT_EXPIRED') renew()
 * }
 * ```
 */
export class HarmonyAuthError extends Error {
  override name: string = 'HarmonyAuthError'
  readonly code: HarmonyAuthErrorCode
  readonly details: Readonly<ErrorDetails>

  constructor(code: HarmonyAuthErrorCode, message: string, options: HarmonyAuthErrorOptions = {}) {
    const { cause, ...details } = options
    super(message, cause === undefined ? undefined : { cause })
    this.code = code
    if (details.kid !== undefined) details.kid = details.kid.slice(0, KID_LIMIT)
    this.details = Object.freeze(details)
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** Returns the code, message and safe details, leaving out `cause`, which may contain unsafe text. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.details }
  }
}

/** A configuration value is missing or invalid. Raised at construction, never per request. */
export class ConfigurationError extends HarmonyAuthError {
  override name = 'ConfigurationError'
}

/** A JWT failed verification. Gateways map every instance to HTTP 401. */
export class JwtVerificationError extends HarmonyAuthError {
  override name = 'JwtVerificationError'
}

/** A remote JWKS could not be fetched or parsed. */
export class JwksError extends HarmonyAuthError {
  override name = 'JwksError'
}

/** An encryption key could not be parsed, found or generated. */
export class KeyError extends HarmonyAuthError {
  override name = 'KeyError'
}

/** The token store could not read, decrypt, parse or write a token. */
export class TokenStoreError extends HarmonyAuthError {
  override name = 'TokenStoreError'
}

/** A secret store operation failed. Adapters map provider errors to this class once. */
export class SecretStoreError extends HarmonyAuthError {
  override name = 'SecretStoreError'
}

/** The authorization exchange with the cloud API failed. */
export class AuthorizationError extends HarmonyAuthError {
  override name = 'AuthorizationError'
}

/** A key rotation, backup or restore failed or was refused. */
export class RotationError extends HarmonyAuthError {
  override name = 'RotationError'
}

/** The requested feature is not provided by this build. */
export class NotSupportedError extends HarmonyAuthError {
  override name = 'NotSupportedError'
}

/**
 * Returns whether `error` is a {@link HarmonyAuthError}, optionally with the given code. Unlike
 * `instanceof`, this also recognizes errors raised by the other module format (ESM or CJS) of the
 * same package.
 */
export function isHarmonyAuthError(
  error: unknown,
  code?: HarmonyAuthErrorCode,
): error is HarmonyAuthError {
  if (typeof error !== 'object' || error === null || !(BRAND in error)) return false
  return code === undefined || (error as { code?: unknown }).code === code
}
