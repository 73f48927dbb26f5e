import type { IncomingMessage } from 'node:http'
import type { VerifyResult } from '../jwt/types.js'
import {
  authorizationOf,
  createBearerAuth,
  type BearerAuthenticator,
  type JwtMiddlewareOptions,
} from './bearer-auth.js'

/** The request shape the Fastify hook reads and extends; Fastify's `FastifyRequest` fits. */
export interface FastifyRequestLike {
  raw: IncomingMessage
  auth?: VerifyResult
}

/** The reply methods the Fastify hook calls; Fastify's `FastifyReply` fits. */
export interface FastifyReplyLike {
  code(statusCode: number): FastifyReplyLike
  header(name: string, value: string): FastifyReplyLike
  send(payload?: unknown): FastifyReplyLike
}

/** An async Fastify `onRequest` or `preHandler` hook. Typed without Fastify. */
export type FastifyJwtHook = (
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
) => Promise<FastifyReplyLike | undefined>

/**
 * Creates a Fastify hook that lets through only requests with a valid bearer JWT and sets the
 * verified token as `request.auth` (payload, protected header and matching key). Any other request
 * gets the verifier's 401 reply with `WWW-Authenticate: Bearer realm="harmony"` and a generic JSON
 * body, and the route handler does not run.
 *
 * Register it as `onRequest` on the instance or inside a plugin for the routes it guards. Calling
 * `app.decorateRequest('auth', null)` first keeps Fastify's request objects one shape; for typed
 * access, augment `FastifyRequest` with `auth?: VerifyResult` in `declare module 'fastify'`.
 *
 * @throws TypeError when `verifier` has no `authenticate` method or `options` is not valid.
 * @example
 * ```ts
 * const app = Fastify()
 * app.decorateRequest('auth', null)
 * app.addHook('onRequest', createFastifyJwtAuth(verifier))
 * app.get('/me', async (request) => ({ sub: request.auth?.payload.sub }))
 * ```
 */
export function createFastifyJwtAuth(
  verifier: BearerAuthenticator,
  options: JwtMiddlewareOptions = {},
): FastifyJwtHook {
  const authenticate = createBearerAuth(verifier, options)

  return async (request, reply) => {
    const outcome = await authenticate(authorizationOf(request.raw))
    if (outcome.ok) {
      request.auth = outcome.auth
      return undefined
    }

    reply.code(outcome.reply.status)
    for (const [name, value] of Object.entries(outcome.reply.headers)) reply.header(name, value)
    // An async hook that has sent a reply must return it, so Fastify stops the request there.
    return reply.send(outcome.reply.body)
  }
}
