import type { VerifyResult } from '../jwt/types.js'
import {
  createBearerAuth,
  type BearerAuthenticator,
  type JwtMiddlewareOptions,
} from './bearer-auth.js'

/** The Hono environment the middleware fills: `c.get('auth')` is the verified token. */
export interface HonoJwtEnv {
  Variables: { auth: VerifyResult }
}

/** The context members the Hono middleware uses; Hono's `Context` fits. */
export interface HonoContextLike {
  req: { raw: { headers: { get(name: string): string | null } } }
  set(key: 'auth', value: VerifyResult): void
}

/** A Hono middleware handler. Typed without Hono. */
export type HonoJwtMiddleware = (
  context: HonoContextLike,
  next: () => Promise<void>,
) => Promise<Response | undefined>

/**
 * Creates Hono middleware that lets through only requests with a valid bearer JWT and stores the
 * verified token (payload, protected header and matching key) as the context variable `auth`.
 * Any other request gets the verifier's 401 reply with `WWW-Authenticate: Bearer realm="harmony"`
 * and a generic JSON body, and the next handler does not run. Repeated `Authorization` headers
 * reach the verifier joined by `, ` as the Fetch `Headers` class joins them, so they fail.
 *
 * @throws TypeError when `verifier` has no `authenticate` method or `options` is not valid.
 * @example
 * ```ts
 * const app = new Hono<HonoJwtEnv>()
 * app.use('/api/*', createHonoJwtAuth(verifier))
 * app.get('/api/me', (c) => c.json({ sub: c.get('auth').payload.sub }))
 * ```
 */
export function createHonoJwtAuth(
  verifier: BearerAuthenticator,
  options: JwtMiddlewareOptions = {},
): HonoJwtMiddleware {
  const authenticate = createBearerAuth(verifier, options)

  return async (context, next) => {
    const outcome = await authenticate(context.req.raw.headers.get('authorization') ?? undefined)
    if (!outcome.ok) {
      const { status, headers, body } = outcome.reply
      return new Response(body, { status, headers })
    }

    context.set('auth', outcome.auth)
    await next()
    return undefined
  }
}
