import { fail } from './parse.js'

/** The claim rules of a verifier, prepared at construction. */
export interface ClaimsPolicy {
  leewaySeconds: number
  requireExpiration: boolean
  issuers: ReadonlySet<string> | undefined
  audiences: readonly string[] | undefined
  /** Claims that must be present, in the order they are checked. */
  requiredClaims: readonly string[]
  maxTokenAgeSeconds: number | undefined
}

/** Returns the time claim, or throws unless it is absent or a finite number. */
function timeClaim(payload: Record<string, unknown>, claim: string): number | undefined {
  const value = payload[claim]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail('ERR_JWT_CLAIMS_INVALID', 'JWT claim is invalid', { claim })
  }
  return value
}

function checkIssuer(payload: Record<string, unknown>, issuers: ReadonlySet<string>): void {
  const iss = payload.iss
  if (typeof iss !== 'string' || !issuers.has(iss)) {
    fail('ERR_JWT_ISSUER_INVALID', 'JWT issuer is not accepted', { claim: 'iss' })
  }
}

/** Accepts `aud` as a string or an array of strings (RFC 7519 section 4.1.3) with a match. */
function checkAudience(payload: Record<string, unknown>, audiences: readonly string[]): void {
  const aud = payload.aud
  const matches =
    typeof aud === 'string'
      ? audiences.includes(aud)
      : Array.isArray(aud) &&
        aud.every((member) => typeof member === 'string') &&
        aud.some((member: string) => audiences.includes(member))
  if (!matches) fail('ERR_JWT_AUDIENCE_INVALID', 'JWT audience is not accepted', { claim: 'aud' })
}

/**
 * Checks the claims set at `nowSeconds` and returns the epoch time in milliseconds until which
 * the same checks keep passing, so a cached result never outlives its token.
 *
 * @throws JwtVerificationError `ERR_JWT_CLAIM_MISSING`, `ERR_JWT_CLAIMS_INVALID`,
 *   `ERR_JWT_EXPIRED`, `ERR_JWT_NOT_YET_VALID`, `ERR_JWT_ISSUED_IN_FUTURE`, `ERR_JWT_TOO_OLD`,
 *   `ERR_JWT_ISSUER_INVALID` or `ERR_JWT_AUDIENCE_INVALID`.
 */
export function checkClaims(
  payload: Record<string, unknown>,
  policy: ClaimsPolicy,
  nowSeconds: number,
): number {
  for (const claim of policy.requiredClaims) {
    if (!Object.hasOwn(payload, claim))
      fail('ERR_JWT_CLAIM_MISSING', 'JWT claim is missing', { claim })
  }
  const exp = timeClaim(payload, 'exp')
  const nbf = timeClaim(payload, 'nbf')
  const iat = timeClaim(payload, 'iat')
  const leeway = policy.leewaySeconds
  let validUntil = Infinity

  if (policy.issuers !== undefined) checkIssuer(payload, policy.issuers)
  if (policy.audiences !== undefined) checkAudience(payload, policy.audiences)

  if (exp !== undefined) {
    if (exp <= nowSeconds - leeway) fail('ERR_JWT_EXPIRED', 'JWT has expired', { claim: 'exp' })
    validUntil = exp
  }
  if (nbf !== undefined && nbf > nowSeconds + leeway) {
    fail('ERR_JWT_NOT_YET_VALID', 'JWT is not yet valid', { claim: 'nbf' })
  }
  if (iat !== undefined && iat > nowSeconds + leeway) {
    fail('ERR_JWT_ISSUED_IN_FUTURE', 'JWT was issued in the future', { claim: 'iat' })
  }
  if (policy.maxTokenAgeSeconds !== undefined && iat !== undefined) {
    const maxAge = policy.maxTokenAgeSeconds
    if (nowSeconds - iat - leeway > maxAge)
      fail('ERR_JWT_TOO_OLD', 'JWT is too old', { claim: 'iat' })
    validUntil = Math.min(validUntil, iat + maxAge)
  }
  return validUntil * 1000
}
