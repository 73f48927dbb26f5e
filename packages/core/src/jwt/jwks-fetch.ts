import { isIP } from 'node:net'
import { ConfigurationError, JwksError } from '../errors.js'

/** Limits of one JWKS fetch. */
export interface FetchLimits {
  timeoutMs: number
  maxResponseBytes: number
  maxKeys: number
}

function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost') return true
  if (hostname === '[::1]') return true
  return isIP(hostname) === 4 && hostname.startsWith('127.')
}

/**
 * Parses a JWKS URL: `https:`, or `http:` only on a loopback host, without credentials.
 *
 * @throws TypeError for a URL that does not parse; ConfigurationError `ERR_CONFIG_INVALID` for
 *   another scheme, plain http on a non-loopback host, or credentials in the URL.
 */
export function parseJwksUrl(value: unknown): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError('jwksUrl must be a string or URL')
  }
  const url = new URL(value)
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError('ERR_CONFIG_INVALID', 'jwksUrl must not contain credentials')
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url
  throw new ConfigurationError(
    'ERR_CONFIG_INVALID',
    'jwksUrl must use https (plain http only on a loopback host)',
  )
}

async function readLimitedBody(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > maxBytes) throw new JwksError('ERR_JWKS_TOO_LARGE', 'JWKS response is too large')
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body?.getReader()
  for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
    const chunk = read.value as Uint8Array
    size += chunk.byteLength
    if (size > maxBytes) {
      await reader?.cancel()
      throw new JwksError('ERR_JWKS_TOO_LARGE', 'JWKS response is too large')
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function keysOf(body: Buffer, maxKeys: number): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch (cause) {
    throw new JwksError('ERR_JWKS_INVALID', 'JWKS response is not JSON', { cause })
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys))
    throw new JwksError('ERR_JWKS_INVALID', 'JWKS response has no keys array')
  if (keys.length > maxKeys)
    throw new JwksError('ERR_JWKS_TOO_LARGE', 'JWKS response has too many keys')
  return keys
}

/**
 * Fetches a JWKS and returns its `keys` array. Redirects are not followed, because the URL is the
 * only place keys may come from.
 *
 * @throws JwksError `ERR_JWKS_TIMEOUT`, `ERR_JWKS_FETCH_FAILED`, `ERR_JWKS_TOO_LARGE` or
 *   `ERR_JWKS_INVALID`.
 */
export async function fetchJwks(
  url: URL,
  limits: FetchLimits,
  closed: AbortSignal,
): Promise<unknown[]> {
  const timeout = AbortSignal.timeout(limits.timeoutMs)
  const signal = AbortSignal.any([timeout, closed])
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal,
      headers: { accept: 'application/jwk-set+json, application/json' },
    })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new JwksError('ERR_JWKS_FETCH_FAILED', 'JWKS endpoint replied with an error status', {
        status: response.status,
      })
    }
    return keysOf(await readLimitedBody(response, limits.maxResponseBytes), limits.maxKeys)
  } catch (error) {
    if (error instanceof JwksError) throw error
    if (timeout.aborted)
      throw new JwksError('ERR_JWKS_TIMEOUT', 'JWKS fetch timed out', { cause: error })
    throw new JwksError('ERR_JWKS_FETCH_FAILED', 'JWKS fetch failed', { cause: error })
  }
}
