import type { IncomingMessage } from 'node:http'
import type { AuthorizationClient } from '../authorization/authorization-client.js'
import type { HarmonyAuthErrorCode } from '../errors.js'
import { safeErrorFields } from './management-log-limit.js'
import type { SafeErrorFields } from './management-log-limit.js'
import { REPLIES, replyForAuthorizeError } from './management-replies.js'
import type { ManagementErrorReply } from './management-replies.js'

/** The outcome of checking the bearer user JWT of a management request. */
export type UserAuthentication =
  | { ok: true; userJwt: string }
  | { ok: false; reply: ManagementErrorReply; failure: HarmonyAuthErrorCode | SafeErrorFields }

// RFC 6750 section 2.1: the scheme is case-insensitive, the credentials are a b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
const SCHEME = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: |$)/

/**
 * Verifies the bearer user JWT of a request and checks its issuer, without reading the body.
 * Failures get 401 with a `WWW-Authenticate` challenge (RFC 6750 section 3), or 403 when the
 * issuer is not trusted.
 */
export async function authenticateUser(
  request: IncomingMessage,
  client: Pick<AuthorizationClient, 'verifyUserToken'>,
  realm: string,
): Promise<UserAuthentication> {
  const header = request.headers.authorization
  if (header === undefined || header === '') {
    return {
      ok: false,
      reply: unauthorized(realm),
      failure: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING',
    }
  }
  const userJwt = BEARER.exec(header)?.[1]
  if (userJwt === undefined) {
    // Another scheme means no bearer credentials were sent, so the challenge carries no error.
    const isBearer = SCHEME.exec(header)?.[1]?.toLowerCase() === 'bearer'
    const reply = unauthorized(realm, isBearer ? 'invalid_request' : undefined)
    return { ok: false, reply, failure: 'ERR_JWT_AUTHORIZATION_HEADER_INVALID' }
  }

  try {
    await client.verifyUserToken(userJwt)
    return { ok: true, userJwt }
  } catch (error) {
    return { ok: false, reply: replyForUserError(error, realm), failure: safeErrorFields(error) }
  }
}

/** Maps an error to its reply, with the 401 challenge for a user JWT that failed verification. */
export function replyForUserError(error: unknown, realm: string): ManagementErrorReply {
  const reply = replyForAuthorizeError(error)
  return reply.status === 401 ? unauthorized(realm, 'invalid_token') : reply
}

function unauthorized(
  realm: string,
  error?: 'invalid_request' | 'invalid_token',
): ManagementErrorReply {
  const challenge = `Bearer realm="${realm}"${error ? `, error="${error}"` : ''}`
  return { ...REPLIES.unauthorized, headers: { 'www-authenticate': challenge } }
}
