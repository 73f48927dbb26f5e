import { isUtf8 } from 'node:buffer'
import { JwtVerificationError } from '../errors.js'
import type { HarmonyAuthErrorCode } from '../errors.js'

/** A compact JWS split into its parts. Nothing in it is trusted before the signature check. */
export interface ParsedToken {
  headerSegment: string
  /** The `header.payload` bytes that the signature covers. */
  signingInput: Buffer
  payloadSegment: string
  signature: Buffer
}

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]+$/
const BASE64URL_VALUES = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((char, index) => [
    char.charCodeAt(0),
    index,
  ]),
)

/** Throws a {@link JwtVerificationError}; messages are fixed phrases without token content. */
export function fail(code: HarmonyAuthErrorCode, message: string, details?: object): never {
  throw new JwtVerificationError(code, message, details)
}

/**
 * Returns whether `segment` is base64url without padding in its canonical form: the unused low
 * bits of the last character are zero (RFC 4648 section 3.5), so each byte string has one encoding.
 */
function isCanonicalBase64url(segment: string): boolean {
  if (!BASE64URL_SEGMENT.test(segment)) return false
  const remainder = segment.length % 4
  if (remainder === 0) return true
  if (remainder === 1) return false
  const last = BASE64URL_VALUES.get(segment.charCodeAt(segment.length - 1)) ?? 0
  return (last & (remainder === 2 ? 0b1111 : 0b11)) === 0
}

/** Counts the dots in `token`, stopping once there are more than a JWE has. */
function countDots(token: string): number {
  let count = 0
  for (let index = token.indexOf('.'); index !== -1; index = token.indexOf('.', index + 1)) {
    if (++count > 4) break
  }
  return count
}

/** Decodes a base64url segment holding UTF-8 JSON. Returns undefined when it is not valid JSON. */
export function decodeJsonSegment(segment: string): unknown {
  const bytes = Buffer.from(segment, 'base64url')
  if (!isUtf8(bytes)) return undefined
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

/** Returns whether `value` is a plain JSON object (not an array or null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Splits a compact JWS and decodes its signature. The size, segment count and base64url alphabet
 * are checked before any decoding, so a JWE or a flood of dots costs no base64 or JSON work.
 *
 * @throws JwtVerificationError `ERR_JWT_MALFORMED`, `ERR_JWT_TOO_LARGE` or
 *   `ERR_JWT_JWE_NOT_SUPPORTED`.
 */
export function parseToken(token: unknown, maxTokenBytes: number): ParsedToken {
  if (typeof token !== 'string' || token.length === 0) fail('ERR_JWT_MALFORMED', 'JWT is malformed')
  // A UTF-8 byte count is never below the UTF-16 length, and at most three times it.
  const tooLarge =
    token.length > maxTokenBytes ||
    (token.length * 3 > maxTokenBytes && Buffer.byteLength(token, 'utf8') > maxTokenBytes)
  if (tooLarge) fail('ERR_JWT_TOO_LARGE', 'JWT is too large')

  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first === -1 || second === -1 || token.indexOf('.', second + 1) !== -1) {
    if (countDots(token) === 4) fail('ERR_JWT_JWE_NOT_SUPPORTED', 'JWE tokens are not supported')
    fail('ERR_JWT_MALFORMED', 'JWT is malformed')
  }

  const headerSegment = token.slice(0, first)
  const payloadSegment = token.slice(first + 1, second)
  const signatureSegment = token.slice(second + 1)
  if (
    !isCanonicalBase64url(headerSegment) ||
    !isCanonicalBase64url(payloadSegment) ||
    !isCanonicalBase64url(signatureSegment)
  ) {
    fail('ERR_JWT_MALFORMED', 'JWT is malformed')
  }

  return {
    headerSegment,
    signingInput: Buffer.from(token.slice(0, second), 'latin1'),
    payloadSegment,
    signature: Buffer.from(signatureSegment, 'base64url'),
  }
}
