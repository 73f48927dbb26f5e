import type { IncomingMessage } from 'node:http'
import type { AuthenticateResult, VerifyResult } from '../jwt/types.js'
import type { LogFields, Logger } from '../support/logger.js'

/**
 * The part of `JwtVerifier` the middleware uses. Any object with this method fits, so a gateway
 * can wrap a verifier to add its own metrics.
 */
export interface BearerAuthenticator {
  authenticate(authorizationHeader: string | string[] | undefined): Promise<AuthenticateResult>
}

/** Options shared by every JWT middleware. */
export interface JwtMiddlewareOptions {
  /**
   * Receives an `error` record when `authenticate()` itself throws, which a working verifier never
   * does. Default: such failures go to `process.emitWarning`. Verification failures are logged by
   * the verifier's own logger, not here.
   */
  logger?: Logger
}

/** A complete HTTP reply: status, headers and body text. */
export interface HttpReply {
  status: number
  headers: Record<string, string>
  body: string
}

/** The result of {@link authenticateBearer}: the verified token, or the reply that rejects it. */
export type BearerAuthOutcome = { ok: true; auth: VerifyResult } | { ok: false; reply: HttpReply }

/** The generic reply to a request that failed because of a server-side error. */
export const SERVER_ERROR_REPLY: HttpReply = Object.freeze({
  status: 500,
  headers: Object.freeze({ 'content-type': 'application/json' }),
  body: JSON.stringify({
    error: 'Internal Server Error',
    message: 'The request failed because of a server error.',
  }),
})

/**
 * Checks the middleware arguments once and returns the function every middleware calls per
 * request: it runs `verifier.authenticate(header)` and turns the result into the verified token or
 * the reply to send, which is the verifier's 401 reply, or a generic 500 when `authenticate()`
 * throws. Neither reply reveals why the request failed.
 *
 * Use it to write middleware for a framework this package does not cover.
 *
 * @throws TypeError when `verifier` has no `authenticate` method or `options` is not valid.
 * @example
 * ```ts
 * const authenticate = createBearerAuth(verifier)
 * const outcome = await authenticate(request.headers.authorization)
 * if (!outcome.ok) return send(outcome.reply.status, outcome.reply.headers, outcome.reply.body)
 * handle(request, outcome.auth.payload)
 * ```
 */
export function createBearerAuth(
  verifier: BearerAuthenticator,
  options: JwtMiddlewareOptions = {},
): (header: string | string[] | undefined) => Promise<BearerAuthOutcome> {
  assertMiddlewareArguments(verifier, options)
  const report = createErrorReporter(
    options.logger,
    'Bearer authentication threw instead of returning a result',
    nameAndCodeOf,
  )

  return async (header) => {
    let result: AuthenticateResult
    try {
      result = await verifier.authenticate(header)
    } catch (error) {
      report(error)
      return { ok: false, reply: SERVER_ERROR_REPLY }
    }

    if (!result.ok) {
      const reply = { status: result.status, headers: { ...result.headers }, body: result.body }
      return { ok: false, reply }
    }
    const { payload, protectedHeader, key } = result
    return { ok: true, auth: { payload, protectedHeader, key } }
  }
}

/**
 * Returns the `Authorization` header of a node:http request: one string, or every value when the
 * request repeats the header. node:http keeps only the first repeated `Authorization` header in
 * `headers`, so `headersDistinct` is read to let the verifier reject a request that sends two.
 */
export function authorizationOf(request: IncomingMessage): string | string[] | undefined {
  const values = request.headersDistinct?.authorization
  if (values === undefined) return request.headers.authorization
  return values.length === 1 ? values[0] : values
}

function assertMiddlewareArguments(
  verifier: BearerAuthenticator,
  options: JwtMiddlewareOptions,
): void {
  if (typeof (verifier as Partial<BearerAuthenticator> | null)?.authenticate !== 'function') {
    throw new TypeError('verifier must have an authenticate(header) method, as JwtVerifier has')
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object')
  }
  if (options.logger !== undefined && typeof options.logger?.error !== 'function') {
    throw new TypeError('logger must have an error(fields, message) method')
  }
}

/**
 * Returns a function that reports a caught error to the logger at error level, or without a
 * logger only the first error to `process.emitWarning`, so a recurring failure cannot flood
 * stderr. `fieldsOf` picks what of the error is safe to log.
 */
export function createErrorReporter(
  logger: Logger | undefined,
  message: string,
  fieldsOf: (error: unknown) => LogFields,
): (error: unknown) => void {
  let warned = false

  return (error) => {
    if (logger) {
      logger.error(fieldsOf(error), message)
      return
    }
    if (warned) return
    warned = true
    const name = error instanceof Error ? error.name : typeof error
    process.emitWarning(`${message} (${name}); later ones are not reported`, {
      type: 'HarmonyAuthWarning',
    })
  }
}

// Only the name and code, because the message of an error the verifier did not expect might
// quote the request.
function nameAndCodeOf(error: unknown): LogFields {
  const name = error instanceof Error ? error.name : typeof error
  const code = (error as { code?: unknown } | null)?.code
  return { name, code: typeof code === 'string' ? code : undefined }
}
