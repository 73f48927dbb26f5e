import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Logger } from 'pino'

/** A request whose bearer token verified, with its response and the token subject. */
export interface VerifiedRequest {
  request: IncomingMessage
  response: ServerResponse
  /** The `sub` claim of the verified token, or an empty string when it has none. */
  subject: string
}

/** The backend behind the traffic port: the built-in echo or a proxy to `UPSTREAM_URL`. */
export type Backend = (verified: VerifiedRequest) => void

// Headers that belong to one connection (RFC 9110 section 7.6.1), so a proxy does not forward
// them in either direction.
const HOP_BY_HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** Copies `headers` without the hop-by-hop ones, including those the `Connection` header names. */
function withoutHopHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
  const copy: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || named.includes(name)) continue
    copy[name] = value
  }
  return copy
}

/** Sends back the verified subject, method and path (without the query string) as JSON. */
export function echoBackend({ request, response, subject }: VerifiedRequest): void {
  const path = (request.url ?? '/').split('?', 1)[0]
  const body = JSON.stringify({ subject, method: request.method, path })
  response.writeHead(200, { 'content-type': 'application/json' }).end(body)
}

/**
 * Creates a backend that forwards each verified request to `upstream`, without the caller's
 * `Authorization` and `Host` headers and with the subject in `x-authenticated-subject`.
 */
export function proxyBackend(upstream: URL, logger: Logger): Backend {
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest
  const basePath = upstream.pathname.replace(/\/$/, '')

  return ({ request, response, subject }) => {
    const headers = withoutHopHeaders(request.headers)
    delete headers.authorization
    delete headers.host
    headers['x-authenticated-subject'] = subject

    const outgoing = send(upstream, {
      method: request.method,
      path: basePath + (request.url ?? '/'),
      headers,
    })
    outgoing.on('response', (upstreamResponse) => {
      response.writeHead(
        upstreamResponse.statusCode ?? 502,
        withoutHopHeaders(upstreamResponse.headers),
      )
      upstreamResponse.pipe(response)
    })
    outgoing.on('error', (error) => {
      logger.error({ err: error, upstream: upstream.origin }, 'upstream request failed')
      if (response.headersSent) {
        response.destroy()
        return
      }
      response.writeHead(502, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({ error: 'Bad Gateway', message: 'The upstream service failed.' }),
      )
    })
    request.pipe(outgoing)
  }
}
