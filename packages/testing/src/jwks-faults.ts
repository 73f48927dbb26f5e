import type { ServerResponse } from 'node:http'

/**
 * A failure the JWKS test server injects into requests for the JWKS path.
 *
 * - `delay`: waits `ms` milliseconds, then serves the JWKS normally (for timeout tests).
 * - `status`: replies with `status` and a small JSON error body.
 * - `invalid-json`: replies 200 with a truncated JSON document.
 * - `body`: replies with the given raw body, for wrong shapes such as `{"keys": {}}`.
 * - `oversized`: replies 200 with a valid JWKS padded to at least `bytes` bytes (default 4 MiB),
 *   sent chunked without `content-length`, so only a client that counts bytes stops early.
 * - `redirect`: replies with a redirect to `location` (default: a path on the same server that
 *   serves the JWKS, so a client that follows redirects succeeds and the request count shows it).
 * - `reset`: resets the TCP connection without a reply.
 */
export type JwksFault =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number }
  | { kind: 'invalid-json' }
  | { kind: 'body'; body: string; status?: number; contentType?: string }
  | { kind: 'oversized'; bytes?: number }
  | { kind: 'redirect'; location?: string; status?: 301 | 302 | 303 | 307 | 308 }
  | { kind: 'reset' }

/** Options of {@link JwksServer.setFault}. */
export interface JwksFaultOptions {
  /** Number of requests the fault applies to before the server serves normally again. Default: all. */
  times?: number
}

/** Path on the test server that always serves the JWKS: the default redirect target. */
export const REDIRECT_TARGET_PATH = '/redirected/jwks.json'

const DEFAULT_OVERSIZED_BYTES = 4 * 1024 * 1024
const CHUNK_BYTES = 64 * 1024

/** Checks a fault description, so a mistyped test fails at `setFault` instead of at a request. */
export function assertValidFault(fault: JwksFault): void {
  if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
    throw new RangeError('delay fault: ms must be a finite number >= 0')
  }
  if (fault.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 100)) {
    throw new RangeError('status fault: status must be an HTTP status code')
  }
  if (fault.kind === 'oversized' && fault.bytes !== undefined && !(fault.bytes > 0)) {
    throw new RangeError('oversized fault: bytes must be a positive number')
  }
}

/** Writes a JSON reply with an exact `content-length`. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

/** Writes the reply of a fault that replaces the normal response (every kind except `delay`). */
export function sendFault(
  response: ServerResponse,
  fault: Exclude<JwksFault, { kind: 'delay' }>,
  jwks: unknown,
  origin: string,
): void {
  switch (fault.kind) {
    case 'status':
      sendJson(response, fault.status, { error: 'injected failure' })
      return
    case 'invalid-json':
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{"keys": [{"kty": "RSA", ')
      return
    case 'body':
      response.writeHead(fault.status ?? 200, {
        'content-type': fault.contentType ?? 'application/json',
      })
      response.end(fault.body)
      return
    case 'oversized':
      sendOversized(response, jwks, fault.bytes ?? DEFAULT_OVERSIZED_BYTES)
      return
    case 'redirect':
      response.writeHead(fault.status ?? 302, {
        location: fault.location ?? `${origin}${REDIRECT_TARGET_PATH}`,
      })
      response.end()
      return
    case 'reset':
      response.socket?.resetAndDestroy()
      return
  }
}

// Streams `{"keys": [...], "padding": "xxx…"}` in chunks, stopping early when the client hangs up.
function sendOversized(response: ServerResponse, jwks: unknown, bytes: number): void {
  const prefix = JSON.stringify(jwks).slice(0, -1) + ',"padding":"'
  let remaining = Math.max(bytes - prefix.length, 0)
  const chunk = 'x'.repeat(CHUNK_BYTES)

  response.writeHead(200, { 'content-type': 'application/json' })
  response.write(prefix)
  const writeMore = (): void => {
    while (remaining > 0 && !response.destroyed) {
      const size = Math.min(remaining, CHUNK_BYTES)
      remaining -= size
      if (!response.write(size === CHUNK_BYTES ? chunk : chunk.slice(0, size))) {
        response.once('drain', writeMore)
        return
      }
    }
    if (!response.destroyed) response.end('"}')
  }
  writeMore()
}
