import type { IncomingMessage, ServerResponse } from 'node:http'
import type { VerifyResult } from '../jwt/types.js'
import {
  authorizationOf,
  createBearerAuth,
  type BearerAuthenticator,
  type JwtMiddlewareOptions,
} from './bearer-auth.js'
import { sendReply } from './node-middleware.js'

/** The request shape the Express middleware reads and extends; Express's `Request` fits. */
export type ExpressRequestLike = IncomingMessage & { auth?: VerifyResult }

/**
 * Express (or Connect-style) middleware: `(request, response, next)`. Typed without Express, so
 * `@harmony-auth/core` does not depend on it.
 */
export type ExpressJwtMiddleware = (
  request: ExpressRequestLike,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => Promise<void>

/**
 * Creates Express middleware that lets through only requests with a valid bearer JWT and sets the
 * verified token as `request.auth` (payload, protected header and matching key). Any other request
 * gets the verifier's 401 reply with `WWW-Authenticate: Bearer realm="harmony"` and a generic JSON
 * body, and `next` is not called. It also works with Connect and other `(req, res, next)` routers.
 *
 * For typed access, augment Express's request:
 * `declare global { namespace Express { interface Request { auth?: VerifyResult } } }`.
 *
 * @throws TypeError when `verifier` has no `authenticate` method or `options` is not valid.
 * @example
 * ```ts
 * const app = express()
 * app.use('/api', createExpressJwtAuth(verifier))
 * app.get('/api/me', (request, response) => response.json({ sub: request.auth?.payload.sub }))
 * ```
 */
export function createExpressJwtAuth(
  verifier: BearerAuthenticator,
  options: JwtMiddlewareOptions = {},
): ExpressJwtMiddleware {
  const authenticate = createBearerAuth(verifier, options)

  return async (request, response, next) => {
    const outcome = await authenticate(authorizationOf(request))
    if (!outcome.ok) return sendReply(response, outcome.reply)

    request.auth = outcome.auth
    next()
  }
}
