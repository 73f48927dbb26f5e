import { constants, createHmac, generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** The fixed time of every test clock: 2026-01-01T00:00:00Z, in epoch seconds. */
export const NOW = 1_767_225_600

/** Returns a clock frozen at `seconds` since the epoch. */
export function clockAt(seconds: number = NOW): () => Date {
  return () => new Date(seconds * 1000)
}

/** A clock that tests move forward by hand. */
export function manualClock(seconds: number = NOW): {
  clock: () => Date
  advance(s: number): void
} {
  let current = seconds * 1000
  return {
    clock: () => new Date(current),
    advance(by: number) {
      current += by * 1000
    },
  }
}

export interface TestKeyPair {
  publicKey: KeyObject
  privateKey: KeyObject
  spki: string
}

function pairOf(pair: { publicKey: KeyObject; privateKey: KeyObject }): TestKeyPair {
  return { ...pair, spki: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string }
}

const cache = new Map<string, TestKeyPair>()

/** Returns a generated key pair, the same one for the same name within a test file. */
export function keyPair(name: string, type: 'rsa' | 'ec' | 'ed25519' = 'rsa'): TestKeyPair {
  const key = `${type}:${name}`
  let pair = cache.get(key)
  if (pair === undefined) {
    if (type === 'rsa') pair = pairOf(generateKeyPairSync('rsa', { modulusLength: 2048 }))
    else if (type === 'ec') pair = pairOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }))
    else pair = pairOf(generateKeyPairSync('ed25519'))
    cache.set(key, pair)
  }
  return pair
}

export function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url')
}

/** Encodes a header or payload: objects as JSON, strings as they are. */
function encodePart(part: unknown): string {
  return base64url(typeof part === 'string' ? part : JSON.stringify(part))
}

/**
 * Signs a compact JWS with exactly the given header, whatever it claims, so tests can build attack
 * tokens. `key` is a private key, or secret bytes for HMAC.
 */
export function signToken(
  header: unknown,
  payload: unknown,
  key: KeyObject | Uint8Array | string,
  algorithm: string = (header as { alg?: string }).alg ?? 'RS256',
): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`
  let signature: Buffer
  if (typeof key === 'string' || key instanceof Uint8Array) {
    signature = createHmac('sha256', key).update(input).digest()
  } else if (algorithm === 'PS256') {
    signature = sign('sha256', Buffer.from(input), {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    })
  } else if (algorithm === 'ES256') {
    signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  } else if (algorithm === 'EdDSA') {
    signature = sign(null, Buffer.from(input), key)
  } else {
    signature = sign('sha256', Buffer.from(input), key)
  }
  return `${input}.${base64url(signature)}`
}

/** Claims valid at {@link NOW}. */
export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'user-1', iat: NOW - 10, exp: NOW + 600, ...extra }
}
