import type { IncomingMessage, ServerResponse } from 'node:http'
import type { VerifyResult } from '../jwt/types.js'
import {
  authorizationOf,
  createBearerAuth,
  createErrorReporter,
  SERVER_ERROR_REPLY,
  type BearerAuthenticator,
  type HttpReply,
  type JwtMiddlewareOptions,
} from './bearer-auth.js'

/** A node:http request after authentication: `auth` is the verified token. */
export type AuthenticatedRequest<Request extends IncomingMessage = IncomingMessage> = Request & {
  auth: VerifyResult
}

/** A node:http request listener that runs only for authenticated requests. */
export type AuthenticatedHandler<Request extends IncomingMessage = IncomingMessage> = (
  request: AuthenticatedRequest<Request>,
  response: ServerResponse,
) => unknown

/** Writes a complete reply with an exact `content-length`. */
export function sendReply(response: ServerResponse, reply: HttpReply): void {
  response.writeHead(reply.status, {
    ...reply.headers,
    'content-length': Buffer.byteLength(reply.body),
  })
  response.end(reply.body)
}

/**
 * Wraps a node:http request listener so that it runs only for requests with a valid bearer JWT.
 * The verified token is set as `request.auth` (payload, protected header and matching key). Any
 * other request gets the verifier's 401 reply with `WWW-Authenticate: Bearer realm="harmony"` and
 * a generic JSON body, and the handler is not called. When the handler throws or rejects, the
 * error goes to `options.logger` (or once to `process.emitWarning`) and the client gets a generic
 * 500, or a closed connection when the handler had already started the response.
 *
 * @throws TypeError when `verifier` has no `authenticate` method or `options` is not valid.
 * @example
 * ```ts
 * const verifier = new JwtVerifier({ keys: [{ jwksUrl: 'https://idp.example/jwks.json' }] })
 * const server = createServer(
 *   createNodeJwtAuth(verifier, (request, response) => {
 *     response.end(`hello ${request.auth.payload.sub}`)
 *   }),
 * )
 * ```
 */
export function createNodeJwtAuth<Request extends IncomingMessage = IncomingMessage>(
  verifier: BearerAuthenticator,
  handler: AuthenticatedHandler<Request>,
  options: JwtMiddlewareOptions = {},
): (request: Request, response: ServerResponse) => Promise<void> {
  if (typeof handler !== 'function') throw new TypeError('handler must be a function')
  const authenticate = createBearerAuth(verifier, options)
  // The returned listener is async, so a throwing handler would otherwise become an unhandled
  // rejection, which ends a Node.js 20 process.
  const reportHandlerError = createErrorReporter(
    options.logger,
    'The request handler threw after authentication',
    (error) => ({ err: error }),
  )

  return async (request, response) => {
    const outcome = await authenticate(authorizationOf(request))
    if (!outcome.ok) return sendReply(response, outcome.reply)

    const authenticated = request as AuthenticatedRequest<Request>
    authenticated.auth = outcome.auth
    try {
      await handler(authenticated, response)
    } catch (error) {
      reportHandlerError(error)
      if (response.headersSent) response.destroy()
      else sendReply(response, SERVER_ERROR_REPLY)
    }
  }
}
