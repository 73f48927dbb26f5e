import { createPublicKey, createSecretKey } from 'node:crypto'
import { ConfigurationError } from '../errors.js'
import { Secret } from '../secrets/secret.js'
import type {
  JwksKeySource,
  JwtAlgorithm,
  KeySource,
  PathKeySource,
  RemoteJwksKeySource,
} from './types.js'
import {
  CERTIFICATE_LABELS,
  describeKey,
  PUBLIC_KEY_LABELS,
  prepareKey,
  publicKeyFromJwk,
  publicKeyFromPem,
} from './keys.js'
import type { PreparedKey, SignatureParams } from './keys.js'
import { readKeyFile, readKeyFileSync } from './key-file.js'
import { checkSecretEntry, isInsideWindow } from './secret-window.js'
import type { CheckedSecretEntry, HmacSecretEntry } from './secret-window.js'

const MIN_SECRET_BYTES = 32
// Space, tab, line feed and carriage return, the whitespace JSON allows (RFC 8259 section 2).
const JSON_WHITESPACE = [0x20, 0x09, 0x0a, 0x0d]
const PATH_LABELS = [...PUBLIC_KEY_LABELS, ...CERTIFICATE_LABELS]

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string`)
  }
  return value
}

/** Prepares one local key source; a `jwks` source yields one key per entry. */
export function prepareLocalSource(
  keySource: KeySource,
  accepted: ReadonlySet<string>,
): PreparedKey[] {
  if (keySource.jwks !== undefined) {
    const source = keySource
    const keys: unknown = source.jwks?.keys
    if (!Array.isArray(keys)) throw new TypeError('jwks must be an object with a keys array')
    return keys.map((jwk: KeySource['jwk'] & object) => {
      const key = publicKeyFromJwk(jwk)
      const kid = optionalString(jwk.kid, 'jwks key kid')
      return prepareKey(
        key,
        { kid, pinned: optionalString(jwk.alg, 'jwks key alg'), source: 'jwks' },
        accepted,
      )
    })
  }
  const source = keySource as Exclude<KeySource, JwksKeySource | RemoteJwksKeySource>
  const kid = optionalString(source.kid, 'key kid')
  const pinned = optionalString(source.algorithm, 'key algorithm')
  if (source.pem !== undefined) {
    return [
      prepareKey(
        publicKeyFromPem(source.pem, PUBLIC_KEY_LABELS),
        { kid, pinned, source: 'pem' },
        accepted,
      ),
    ]
  }
  if (source.certificate !== undefined) {
    const key = publicKeyFromPem(source.certificate, CERTIFICATE_LABELS)
    return [prepareKey(key, { kid, pinned, source: 'certificate' }, accepted)]
  }
  if (source.jwk !== undefined) {
    const key = publicKeyFromJwk(source.jwk)
    const jwkKid = kid ?? optionalString(source.jwk.kid, 'jwk kid')
    const jwkPin = pinned ?? optionalString(source.jwk.alg, 'jwk alg')
    return [prepareKey(key, { kid: jwkKid, pinned: jwkPin, source: 'jwk' }, accepted)]
  }
  if (source.path !== undefined) {
    return [preparePathKey(source, readKeyFileSync(source.path), accepted)]
  }
  throw new TypeError('each key source needs one of pem, jwk, jwks, certificate, path or jwksUrl')
}

function preparePathKey(
  source: PathKeySource,
  text: string,
  accepted: ReadonlySet<string>,
): PreparedKey {
  const kid = optionalString(source.kid, 'key kid')
  const pinned = optionalString(source.algorithm, 'key algorithm')
  try {
    const key = publicKeyFromPem(text, PATH_LABELS)
    return prepareKey(key, { kid, pinned, source: 'path' }, accepted)
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    // The message of the key check describes the key, never its bytes, so it can name the file.
    throw new ConfigurationError(
      'ERR_CONFIG_KEY_INVALID',
      `Key file ${source.path}: ${error.message}`,
      {
        ...error.details,
        cause: error,
        source: source.path,
      },
    )
  }
}

/**
 * Reads a `path` key source again.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` that names the path when the file cannot be
 *   read or parsed, or is a symbolic link, a FIFO or another non-regular file, or is too large.
 */
export async function reloadPathKey(
  source: PathKeySource,
  accepted: ReadonlySet<string>,
): Promise<PreparedKey> {
  return preparePathKey(source, await readKeyFile(source.path), accepted)
}

/**
 * Returns whether secret bytes are public key material: PEM text, a JWK or DER public key. Such a
 * secret is public, so anyone holding the public key could sign HS256 tokens (algorithm confusion).
 */
function isPublicKeyMaterial(bytes: Buffer): boolean {
  if (bytes.includes('-----BEGIN ')) return true
  // Only bytes that start like a JSON object become a string, because a string cannot be wiped.
  const first = bytes.find((byte) => !JSON_WHITESPACE.includes(byte))
  if (first === 0x7b) {
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'))
      if (typeof (parsed as { kty?: unknown } | null)?.kty === 'string') return true
    } catch {
      // Not JSON, so not a JWK.
    }
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      createPublicKey({ key: bytes, format: 'der', type })
      return true
    } catch {
      // Not a DER public key of this type.
    }
  }
  return false
}

/**
 * Prepares the HS256 secrets, in the order they are tried. Timed entries whose `notAfter` is not
 * after `nowMs` are checked like the others and then left out.
 *
 * @throws ConfigurationError `ERR_CONFIG_NO_VERIFICATION_KEY` without secrets or when every
 *   secret is past its `notAfter`, or `ERR_CONFIG_KEY_INVALID` for a secret shorter than 32 bytes
 *   or one that is public key material.
 * @throws TypeError or RangeError for an entry of the wrong shape.
 */
export function prepareSecrets(secrets: readonly HmacSecretEntry[], nowMs: number): PreparedKey[] {
  if (!Array.isArray(secrets)) throw new TypeError('hs256.secrets must be an array')
  if (secrets.length === 0) {
    throw new ConfigurationError(
      'ERR_CONFIG_NO_VERIFICATION_KEY',
      'hs256 needs at least one secret',
    )
  }
  const prepared = secrets.map((entry: unknown) => prepareSecret(checkSecretEntry(entry, 'hs256')))
  const usable = prepared.filter((key) => isInsideWindow(key.notAfterMs ?? Infinity, nowMs))
  if (usable.length === 0) {
    throw new ConfigurationError(
      'ERR_CONFIG_NO_VERIFICATION_KEY',
      'Every hs256 secret is past its notAfter; add the current secret without an end',
    )
  }
  return usable
}

function prepareSecret({ input, notAfterMs }: CheckedSecretEntry): PreparedKey {
  if (!(typeof input === 'string' || input instanceof Uint8Array || Secret.isSecret(input))) {
    throw new TypeError('each hs256 secret must be a Secret, string or Uint8Array')
  }
  const secret = Secret.from(input)
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigurationError('ERR_CONFIG_KEY_INVALID', 'HS256 secret must be at least 32 bytes')
  }
  const copy = secret.bytes()
  const bytes = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength)
  if (isPublicKeyMaterial(bytes)) {
    throw new ConfigurationError(
      'ERR_CONFIG_KEY_INVALID',
      'HS256 secret is a public key, JWK or certificate; give a random secret of at least 32 bytes',
    )
  }
  const key = createSecretKey(bytes)
  bytes.fill(0)
  const params: SignatureParams = {
    digest: 'sha256',
    key,
    signatureBytes: 32,
    hmac: true,
    verifiedKey: describeKey(undefined, 'HS256', 'hs256'),
  }
  return {
    kid: undefined,
    source: 'hs256' as const,
    params: new Map<JwtAlgorithm, SignatureParams>([['HS256', params]]),
    fingerprint: '',
    revoked: false,
    ...(notAfterMs === Infinity ? {} : { notAfterMs }),
  }
}
