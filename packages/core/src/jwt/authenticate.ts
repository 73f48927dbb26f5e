import { isHarmonyAuthError } from '../errors.js'
import type { HarmonyAuthErrorCode } from '../errors.js'
import type { Logger } from '../support/logger.js'
import type { AuthenticateFailure, VerificationFailure } from './types.js'

/** The realm sent in every `WWW-Authenticate` challenge. */
export const REALM = 'harmony'

// RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token, and the scheme is case-insensitive.
// Exactly one space and nothing around the token, so a header that needs trimming is invalid.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i

const BODY = JSON.stringify({ error: 'Unauthorized', message: 'A valid bearer token is required.' })

/** The outcome of reading an `Authorization` header: a token or the code of why there is none. */
export type BearerToken = { token: string } | { code: HarmonyAuthErrorCode }

/** Extracts the bearer token of an `Authorization` header value as node:http delivers it. */
export function readBearerToken(headerValue: string | readonly string[] | undefined): BearerToken {
  if (headerValue === undefined || headerValue === '') {
    return { code: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING' }
  }
  const match = typeof headerValue === 'string' ? BEARER.exec(headerValue) : null
  if (match === null) return { code: 'ERR_JWT_AUTHORIZATION_HEADER_INVALID' }
  return { token: match[1]! }
}

/**
 * Builds the 401 reply of RFC 6750 section 3: no `error` attribute when the request had no
 * credentials (section 3.1: the challenge then carries no error code), `invalid_request` for a
 * malformed header, `invalid_token` for a token that failed verification.
 */
export function unauthorized(code: HarmonyAuthErrorCode): AuthenticateFailure {
  const error =
    code === 'ERR_JWT_AUTHORIZATION_HEADER_MISSING'
      ? undefined
      : code === 'ERR_JWT_AUTHORIZATION_HEADER_INVALID'
        ? 'invalid_request'
        : 'invalid_token'
  const challenge =
    error === undefined ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="${error}"`
  return {
    ok: false,
    status: 401,
    headers: { 'www-authenticate': challenge, 'content-type': 'application/json' },
    body: BODY,
    ...(error === undefined ? {} : { error }),
    code,
  }
}

/** Returns the safe description of a failure, or rethrows an error the SDK did not raise. */
export function failureOf(error: unknown): VerificationFailure {
  if (!isHarmonyAuthError(error)) throw error
  const { kid, claim } = error.details
  return {
    code: error.code,
    ...(kid === undefined ? {} : { kid }),
    ...(claim === undefined ? {} : { claim }),
  }
}

/** Reports a failure to the logger at debug level and to the `onFailure` hook. */
export function reportFailure(
  failure: VerificationFailure,
  logger: Logger,
  onFailure: ((failure: VerificationFailure) => void) | undefined,
): void {
  // A throwing logger must not turn a 401 into a 500, so its errors are dropped here.
  try {
    logger.debug({ ...failure }, 'bearer token rejected')
  } catch {
    // Nothing else can report it: the logger itself failed.
  }
  if (onFailure === undefined) return
  const logHookError = (error: unknown): void => {
    try {
      logger.error(
        { err: error, code: failure.code },
        'onFailure hook threw; the request is still rejected',
      )
    } catch {
      // The logger failed too; the request is still rejected.
    }
  }
  try {
    // An async hook fits the void return type, and its rejection would otherwise go unhandled,
    // which ends a Node process by default.
    const returned: unknown = onFailure(failure)
    if (typeof (returned as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(returned).catch(logHookError)
    }
  } catch (error) {
    logHookError(error)
  }
}
