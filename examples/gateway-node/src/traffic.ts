import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { JwtVerifier } from '@harmony-auth/core'
import type { Logger } from 'pino'
import type { Backend } from './backend.js'

// The reason code of each rejected request, kept for the request log line only.
const rejectionCodes = new WeakMap<ServerResponse, string>()

/**
 * Creates the traffic port's request handler: every request must carry a bearer JWT that
 * `verifier` accepts, and verified requests go to `backend`. A failure gets the verifier's generic
 * 401 reply, and its reason code goes only to the log.
 */
export function createTrafficHandler(
  verifier: JwtVerifier,
  backend: Backend,
  logger: Logger,
): RequestListener {
  return (request, response) => {
    const startedAt = performance.now()
    response.on('finish', () => logRequest(logger, request, response, startedAt))

    verifier.authenticate(authorizationOf(request)).then(
      (result) => {
        if (!result.ok) {
          rejectionCodes.set(response, result.code)
          response.writeHead(result.status, result.headers).end(result.body)
          return
        }
        const subject = typeof result.payload.sub === 'string' ? result.payload.sub : ''
        backend({ request, response, subject })
      },
      (error: unknown) => {
        logger.error({ err: error }, 'bearer token check failed unexpectedly')
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({ error: 'Internal Server Error', message: 'Try again later.' }),
        )
      },
    )
  }
}

/**
 * Returns the request's `Authorization` header, or every value when it is repeated. node:http
 * keeps only the first repeated `Authorization` header in `headers`, so `headersDistinct` is read
 * to let the verifier reject a request that sends two.
 */
function authorizationOf(request: IncomingMessage): string | string[] | undefined {
  const values = request.headersDistinct.authorization
  if (values === undefined) return undefined
  return values.length === 1 ? values[0] : values
}

function logRequest(
  logger: Logger,
  request: IncomingMessage,
  response: ServerResponse,
  startedAt: number,
): void {
  // Only the path is logged: a query string may carry credentials.
  const path = (request.url ?? '/').split('?', 1)[0]
  logger.info(
    {
      method: request.method,
      path,
      status: response.statusCode,
      code: rejectionCodes.get(response),
      durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
    },
    'request completed',
  )
}
