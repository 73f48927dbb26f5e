import type { ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { isHarmonyAuthError } from '../errors.js'

/** An error reply of the management API: a status, its `{error, message}` body and headers. */
export interface ManagementErrorReply {
  status: number
  message: string
  headers?: Record<string, string>
}

/** Fixed replies for the failures every route shares. Messages never carry upstream text. */
export const REPLIES = {
  unauthorized: { status: 401, message: 'A valid bearer token is required' },
  issuerNotTrusted: { status: 403, message: 'The token issuer is not trusted' },
  notFound: { status: 404, message: 'No such management endpoint' },
  unsupportedMediaType: { status: 415, message: 'The request body must be application/json' },
  tooManyRequests: { status: 429, message: 'Too many requests. Retry after the Retry-After delay' },
  storageFailed: { status: 500, message: 'The machine token could not be stored' },
  readFailed: { status: 500, message: 'The machine token could not be read' },
  internal: { status: 500, message: 'The request could not be processed' },
  upstreamFailed: { status: 502, message: 'The cloud API request failed' },
  upstreamTimeout: { status: 504, message: 'The cloud API did not reply in time' },
} as const satisfies Record<string, ManagementErrorReply>

/**
 * Maps an error of `AuthorizationClient.authorize()` to its reply. An invalid request gets 400, a
 * user JWT that failed verification 401 and an untrusted issuer 403. An upstream timeout gets 504,
 * any other upstream failure 502, and storage or unexpected errors 500.
 */
export function replyForAuthorizeError(error: unknown): ManagementErrorReply {
  if (!isHarmonyAuthError(error)) return REPLIES.internal
  const code = error.code
  if (code === 'ERR_AUTHORIZE_INVALID_REQUEST') {
    return { status: 400, message: 'The request body is invalid' }
  }
  if (code.startsWith('ERR_JWT_')) return REPLIES.unauthorized
  if (code === 'ERR_AUTHORIZE_ISSUER_NOT_TRUSTED') return REPLIES.issuerNotTrusted
  if (code === 'ERR_AUTHORIZE_UPSTREAM_TIMEOUT') return REPLIES.upstreamTimeout
  if (code.startsWith('ERR_AUTHORIZE_')) return REPLIES.upstreamFailed
  if (code.startsWith('ERR_TOKEN_STORE_')) return REPLIES.storageFailed
  return REPLIES.internal
}

/** Sends `body` as JSON with `cache-control: no-store`, since replies describe credentials. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  })
  response.end(response.req.method === 'HEAD' ? undefined : text)
}

/** Sends an error reply with the `{error, message}` body, `error` being the reason phrase. */
export function sendError(response: ServerResponse, reply: ManagementErrorReply): void {
  const error = STATUS_CODES[reply.status] ?? 'Error'
  sendJson(response, reply.status, { error, message: reply.message }, reply.headers)
}
