import { AuthorizationError, JwtVerificationError } from '../errors.js'
import type { JwtPayload } from '../jwt/types.js'
import { isValidName } from '../secrets/names.js'
import type { AuthorizeOptions } from './types.js'

const MAX_PUBLIC_KEY_LENGTH = 8 * 1024

/** The claims every user JWT must carry, once checked. */
export interface UserClaims {
  iss: string
  sub: string
  exp: number
  iat: number
}

/**
 * Checks the claim types the management flow relies on: `iss` and `sub` non-empty strings, `exp`
 * and `iat` finite numbers. The verifier already checked the signature and times; this guards
 * the types that the exchange depends on.
 *
 * @throws JwtVerificationError `ERR_JWT_CLAIM_MISSING` or `ERR_JWT_CLAIMS_INVALID`, naming the
 * claim.
 */
export function checkUserClaims(payload: JwtPayload): UserClaims {
  for (const claim of ['iss', 'sub'] as const) {
    const value: unknown = payload[claim]
    if (value === undefined) throw claimMissing(claim)
    if (typeof value !== 'string' || value === '') throw claimInvalid(claim)
  }
  for (const claim of ['exp', 'iat'] as const) {
    const value: unknown = payload[claim]
    if (value === undefined) throw claimMissing(claim)
    if (typeof value !== 'number' || !Number.isFinite(value)) throw claimInvalid(claim)
  }
  return payload as UserClaims
}

/**
 * Checks the options of one `authorize()` call.
 *
 * @throws AuthorizationError `ERR_AUTHORIZE_INVALID_REQUEST` for an invalid gateway code, public
 * key, or metadata that is not a plain object JSON can encode.
 */
export function checkAuthorizeOptions(options: AuthorizeOptions): AuthorizeOptions {
  if (typeof options !== 'object' || options === null) throw invalidRequest('options')
  if (typeof options.gatewayCode !== 'string' || !isValidName(options.gatewayCode)) {
    throw invalidRequest('gateway_code')
  }
  const publicKey = options.machinePublicKey
  if (
    publicKey !== undefined &&
    (typeof publicKey !== 'string' || publicKey === '' || publicKey.length > MAX_PUBLIC_KEY_LENGTH)
  ) {
    throw invalidRequest('machine_public_key')
  }
  if (
    options.metadata !== undefined &&
    (!isPlainObject(options.metadata) || !isJsonSerializable(options.metadata))
  ) {
    throw invalidRequest('metadata')
  }
  return options
}

// A BigInt, a cycle or a throwing toJSON would otherwise surface later as an uncoded TypeError.
function isJsonSerializable(value: unknown): boolean {
  try {
    JSON.stringify(value)
    return true
  } catch {
    return false
  }
}

/** Returns whether `value` is an object literal or `JSON.parse` result, not an array or class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function claimMissing(claim: string): JwtVerificationError {
  return new JwtVerificationError('ERR_JWT_CLAIM_MISSING', `The token has no ${claim} claim`, {
    claim,
  })
}

function claimInvalid(claim: string): JwtVerificationError {
  return new JwtVerificationError(
    'ERR_JWT_CLAIMS_INVALID',
    `The token's ${claim} claim is invalid`,
    {
      claim,
    },
  )
}

function invalidRequest(field: string): AuthorizationError {
  return new AuthorizationError(
    'ERR_AUTHORIZE_INVALID_REQUEST',
    `The authorization request has a missing or invalid ${field}`,
  )
}
