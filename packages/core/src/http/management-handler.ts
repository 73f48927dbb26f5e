import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthorizationClient } from '../authorization/authorization-client.js'
import type { MachineTokenStore } from '../authorization/types.js'
import type { Clock } from '../support/clock.js'
import type { Logger } from '../support/logger.js'
import { isJsonContentType, parseAuthorizeBody, readBody } from './management-body.js'
import { checkedManagementOptions } from './management-options.js'
import type { PreparedManagementOptions } from './management-options.js'
import { FixedWindowRateLimiter } from './management-rate-limit.js'
import { authenticateUser, replyForUserError } from './management-auth.js'
import { RepeatedLogLimiter, safeErrorFields } from './management-log-limit.js'
import type { SafeErrorFields } from './management-log-limit.js'
import { REPLIES, sendError, sendJson } from './management-replies.js'
import type { ManagementErrorReply } from './management-replies.js'

/** Rate limit of `POST {base}/authorize`, counted per client address in fixed windows. */
export interface ManagementRateLimitOptions {
  /** Maximum number of authorize requests per client and window. Default 10. */
  maxRequests?: number
  /** Length of a window, in seconds. Default 60. */
  windowSeconds?: number
}

/** Options of {@link createManagementHandler}. Every option is checked once, at creation. */
export interface ManagementHandlerOptions {
  /** Path prefix of the routes, such as `/admin`. Default `''`, so routes are `/authorize`. */
  basePath?: string
  /** The client that verifies user JWTs and runs the exchange. */
  authorizationClient: Pick<AuthorizationClient, 'authorize' | 'verifyUserToken'>
  /** The store `GET {base}/token` reads, usually the client's `TokenStore`. */
  tokenStore: Pick<MachineTokenStore, 'load'>
  /**
   * Whether `GET {base}/token` requires a valid user JWT, like the authorize route. Default
   * false, because the route returns metadata only.
   */
  authenticateTokenRoute?: boolean
  /** Rate limit of the authorize route, or `false` to turn it off. Default 10 per 60 s. */
  rateLimit?: ManagementRateLimitOptions | false
  /** Maximum size of a request body, in bytes. Default 65536. */
  maxBodyBytes?: number
  /**
   * Returns the rate-limit key of a request. Default: the socket's remote address, which is the
   * proxy's address behind a reverse proxy.
   */
  clientAddress?: (request: IncomingMessage) => string
  /** Realm sent in `WWW-Authenticate`. Default `harmony`. */
  realm?: string
  /** Source of the current time, for rate limits and `expires_in`. Default: the system clock. */
  clock?: Clock
  /**
   * Receives a warning per failed request with its status and code, never a header, body or
   * error message. Repeats are limited by `failureLogIntervalSeconds`. Default: silent.
   */
  logger?: Logger
  /**
   * Interval in which failures with the same status and code are logged once, in seconds, 0 to
   * 86400. Later repeats inside it are counted, and the next record logged for that status and
   * code carries the count as `suppressed`. 0 logs every failure. Default 60.
   */
  failureLogIntervalSeconds?: number
}

/** The checked options plus the state every request of one handler shares. */
interface HandlerContext extends PreparedManagementOptions {
  logLimiter: RepeatedLogLimiter
}

/** A node:http request listener; Express-style callers may pass `next` for unmatched paths. */
export type ManagementHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void

/**
 * Creates the node:http handler of the management API: `POST {base}/authorize` exchanges a user
 * JWT for a machine token, and `GET {base}/token` returns the stored token's metadata. The user
 * JWT is verified before the body is read. Replies never contain the machine token or an upstream
 * body. The handler reads the body itself, so mount it before any body parser: a request whose
 * body was already read gets 500.
 *
 * @throws TypeError or RangeError for an option of the wrong type or out of range.
 * @example
 * ```ts
 * const handler = createManagementHandler({ basePath: '/admin', authorizationClient, tokenStore })
 * http.createServer(handler).listen(9090, '127.0.0.1')
 * ```
 */
export function createManagementHandler(options: ManagementHandlerOptions): ManagementHandler {
  const prepared = checkedManagementOptions(options)
  const logLimiter = new RepeatedLogLimiter(
    prepared.failureLogIntervalSeconds * 1000,
    prepared.clock,
  )
  const context: HandlerContext = { ...prepared, logLimiter }
  const limiter =
    prepared.rateLimit &&
    new FixedWindowRateLimiter(
      prepared.rateLimit.maxRequests,
      prepared.rateLimit.windowSeconds * 1000,
      prepared.clock,
    )
  return (request, response, next) => {
    const route = routeOf(request, context.basePath)
    if (!route) {
      if (next) return next()
      return fail(response, context, REPLIES.notFound)
    }
    route(request, response, context, limiter).catch((error: unknown) => {
      fail(response, context, REPLIES.internal, safeErrorFields(error))
    })
  }
}

type Route = typeof handleAuthorize

function routeOf(request: IncomingMessage, basePath: string): Route | undefined {
  const path = (request.url ?? '').split('?')[0]
  if (path === `${basePath}/authorize`) return handleAuthorize
  if (path === `${basePath}/token`) return handleToken
  return undefined
}

async function handleAuthorize(
  request: IncomingMessage,
  response: ServerResponse,
  options: HandlerContext,
  limiter: FixedWindowRateLimiter | undefined,
): Promise<void> {
  if (request.method !== 'POST') {
    return fail(response, options, methodNotAllowed('POST'))
  }
  const verdict = limiter?.take(options.clientAddress(request))
  if (verdict && !verdict.allowed) {
    const headers = { 'retry-after': String(verdict.retryAfterSeconds) }
    return fail(response, options, { ...REPLIES.tooManyRequests, headers }, 'rate_limited')
  }
  const user = await authenticateUser(request, options.client, options.realm)
  if (!user.ok) return fail(response, options, user.reply, user.failure)
  if (!isJsonContentType(request)) return fail(response, options, REPLIES.unsupportedMediaType)

  if (request.readableEnded) {
    // A body parser such as express.json() consumed the stream, so no 'end' event would come.
    return fail(response, options, REPLIES.internal, 'body_already_read')
  }
  const text = await readBody(request, options.maxBodyBytes)
  if (!text.ok) return fail(response, options, text.reply)
  const body = parseAuthorizeBody(text.value)
  if (!body.ok) return fail(response, options, body.reply)

  try {
    const result = await options.client.authorize(user.userJwt, body.value)
    sendJson(response, 201, {
      success: true,
      message: 'Gateway authorized',
      gateway: result.gateway,
      expires_at: result.expiresAt.toISOString(),
      expires_in: result.expiresIn,
    })
  } catch (error) {
    fail(response, options, replyForUserError(error, options.realm), safeErrorFields(error))
  }
}

async function handleToken(
  request: IncomingMessage,
  response: ServerResponse,
  options: HandlerContext,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return fail(response, options, methodNotAllowed('GET, HEAD'))
  }
  if (options.authenticateTokenRoute) {
    const user = await authenticateUser(request, options.client, options.realm)
    if (!user.ok) return fail(response, options, user.reply, user.failure)
  }

  let token
  try {
    token = await options.tokenStore.load()
  } catch (error) {
    return fail(response, options, REPLIES.readFailed, safeErrorFields(error))
  }
  if (!token) {
    return sendError(response, { status: 404, message: 'No machine token is stored' })
  }
  const remainingMs = token.expiresAt.getTime() - options.clock().getTime()
  sendJson(response, 200, {
    gateway_id: token.gatewayId,
    gateway_code: token.gatewayCode,
    expires_at: token.expiresAt.toISOString(),
    abilities: [...token.abilities],
    valid: remainingMs > 0,
    expires_in: Math.max(0, Math.floor(remainingMs / 1000)),
  })
}

function methodNotAllowed(allow: string): ManagementErrorReply {
  return { status: 405, message: 'Method not allowed', headers: { allow } }
}

/**
 * Logs a failed request with its status and code, never a header, body or error message, unless
 * the log limiter suppresses the record, and replies.
 */
function fail(
  response: ServerResponse,
  options: HandlerContext,
  reply: ManagementErrorReply,
  failure?: string | SafeErrorFields,
): void {
  const { req: request } = response
  const { code, errorName } = typeof failure === 'string' ? { code: failure } : (failure ?? {})
  const suppressed = options.logLimiter.admit(`${reply.status} ${code ?? ''}`)
  if (suppressed !== undefined) {
    options.logger.warn(
      {
        status: reply.status,
        code,
        ...(errorName === undefined ? {} : { errorName }),
        method: request.method,
        path: (request.url ?? '').split('?')[0],
        remoteAddress: request.socket.remoteAddress,
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      'Management request failed',
    )
  }
  if (response.headersSent) {
    response.destroy()
    return
  }
  // node:http would drain a body left unread (rejected before reading, or over the limit), so
  // the connection is closed instead, which stops the client from uploading the rest.
  const unread = !request.complete
  sendError(
    response,
    unread ? { ...reply, headers: { ...reply.headers, connection: 'close' } } : reply,
  )
}
