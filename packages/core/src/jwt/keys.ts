import { constants, createPublicKey, X509Certificate } from 'node:crypto'
import type { JsonWebKey, KeyObject, VerifyKeyObjectInput } from 'node:crypto'
import { ConfigurationError } from '../errors.js'
import type { AsymmetricAlgorithm, JsonWebKeyInput, JwtAlgorithm, VerifiedKey } from './types.js'

/** Everything `crypto.verify` needs for one algorithm of one key, prepared once. */
export interface SignatureParams {
  /** The digest name for `crypto.verify`, or null for EdDSA. */
  digest: 'sha256' | null
  key: KeyObject | VerifyKeyObjectInput
  /** The exact signature length in bytes; any other length fails without a crypto call. */
  signatureBytes: number
  hmac: boolean
  /** The frozen description returned in `VerifyResult.key`. */
  verifiedKey: Readonly<VerifiedKey>
}

/** A configured key, ready for the hot path. */
export interface PreparedKey {
  readonly kid: string | undefined
  readonly source: VerifiedKey['source']
  /** The algorithms this key may verify, each with its prepared parameters. */
  readonly params: ReadonlyMap<JwtAlgorithm, SignatureParams>
  /** The public key material and pins, used to keep the same key across JWKS refreshes. */
  readonly fingerprint: string
  /** Set when the key leaves the key set; cached results verified with it stop counting. */
  revoked: boolean
  /** For a timed HS256 secret, the epoch milliseconds from which it verifies nothing. */
  readonly notAfterMs?: number
}

/** The fields a new key needs besides its material. */
export interface KeyDescription {
  kid: string | undefined
  pinned: string | undefined
  source: VerifiedKey['source']
}

const ASYMMETRIC_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA']
const MIN_RSA_BITS = 2048
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/

/** Labels of the PEM blocks that hold a public key, by what they contain. */
export const PUBLIC_KEY_LABELS = ['PUBLIC KEY', 'RSA PUBLIC KEY']
export const CERTIFICATE_LABELS = ['CERTIFICATE']

export function keyError(message: string, kid?: string): ConfigurationError {
  return new ConfigurationError('ERR_CONFIG_KEY_INVALID', message, kid === undefined ? {} : { kid })
}

/** Returns the algorithms a key type fits, or throws for a key type the verifier does not use. */
function algorithmsOf(key: KeyObject, kid: string | undefined): AsymmetricAlgorithm[] {
  const details = key.asymmetricKeyDetails ?? {}
  const exponent = details.publicExponent ?? 0n
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw keyError('RSA key is shorter than 2048 bits; use a longer key', kid)
      }
      // With e = 1 the padded message is its own signature, so anyone could sign; an even e is
      // not an RSA key at all.
      if (exponent < 3n || exponent % 2n === 0n) {
        throw keyError('RSA public exponent must be odd and at least 3; use e = 65537', kid)
      }
      return ['RS256', 'PS256']
    case 'ec':
      if (details.namedCurve !== 'prime256v1') throw keyError('EC key must use P-256', kid)
      return ['ES256']
    case 'ed25519':
      return ['EdDSA']
    default:
      throw keyError('Key type is not supported; use RSA, P-256 or Ed25519', kid)
  }
}

function paramsFor(
  algorithm: AsymmetricAlgorithm,
  key: KeyObject,
): Omit<SignatureParams, 'verifiedKey'> {
  const rsaBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
  switch (algorithm) {
    case 'RS256':
      return { digest: 'sha256', key, signatureBytes: rsaBytes, hmac: false }
    case 'PS256':
      // RFC 7518 section 3.5: the salt is as long as the SHA-256 output.
      return {
        digest: 'sha256',
        key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signatureBytes: rsaBytes,
        hmac: false,
      }
    case 'ES256':
      // RFC 7518 section 3.4: R and S concatenated, 32 bytes each.
      return {
        digest: 'sha256',
        key: { key, dsaEncoding: 'ieee-p1363' },
        signatureBytes: 64,
        hmac: false,
      }
    case 'EdDSA':
      return { digest: null, key, signatureBytes: 64, hmac: false }
  }
}

/** Returns the frozen `VerifyResult.key` of a key and algorithm. */
export function describeKey(
  kid: string | undefined,
  algorithm: JwtAlgorithm,
  source: VerifiedKey['source'],
): Readonly<VerifiedKey> {
  return Object.freeze({ ...(kid === undefined ? {} : { kid }), algorithm, source })
}

function fingerprintOf(key: KeyObject, description: KeyDescription): string {
  const { n, e, crv, x, y } = key.export({ format: 'jwk' })
  return JSON.stringify([description.kid, description.pinned, n, e, crv, x, y])
}

/**
 * Binds a public key to the algorithms its type fits, its pin allows and the verifier accepts.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` when no accepted algorithm fits the key.
 */
export function prepareKey(
  key: KeyObject,
  description: KeyDescription,
  accepted: ReadonlySet<string>,
): PreparedKey {
  const { kid, pinned } = description
  if (key.type !== 'public') throw keyError('Key must be a public key', kid)
  if (pinned !== undefined && !ASYMMETRIC_ALGORITHMS.includes(pinned)) {
    throw keyError('Key algorithm is not supported', kid)
  }
  const fits = algorithmsOf(key, kid).filter(
    (algorithm) => accepted.has(algorithm) && (pinned === undefined || pinned === algorithm),
  )
  if (fits.length === 0) throw keyError('Key fits none of the accepted algorithms', kid)
  const params = new Map(
    fits.map((algorithm) => {
      const verifiedKey = describeKey(kid, algorithm, description.source)
      return [algorithm, { ...paramsFor(algorithm, key), verifiedKey }] as const
    }),
  )
  return {
    kid,
    source: description.source,
    params,
    fingerprint: fingerprintOf(key, description),
    revoked: false,
  }
}

/**
 * Reads a public key from PEM text whose first block has one of `labels`.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` for other PEM blocks or unreadable keys.
 */
export function publicKeyFromPem(pem: string | Uint8Array, labels: readonly string[]): KeyObject {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8')
  const label = PEM_LABEL.exec(text)?.[1]
  if (label === undefined || !labels.includes(label)) {
    throw keyError(`PEM must contain a ${labels.join(' or ')} block`)
  }
  try {
    return label === 'CERTIFICATE' ? new X509Certificate(text).publicKey : createPublicKey(text)
  } catch (cause) {
    throw new ConfigurationError('ERR_CONFIG_KEY_INVALID', 'PEM key could not be read', { cause })
  }
}

/**
 * Reads a public JWK. Private members, `use` other than `sig` and `key_ops` without `verify` are
 * rejected, and so is `kty: oct`, because HMAC secrets are given only through `hs256`.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID`.
 */
export function publicKeyFromJwk(jwk: JsonWebKeyInput): KeyObject {
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError('jwk must be an object')
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined
  if (jwk.kty === 'oct')
    throw keyError('Symmetric JWKs are not accepted; use the hs256 option', kid)
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    throw keyError('JWK contains private key members; give the public key', kid)
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw keyError('JWK use must be "sig"', kid)
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))
  ) {
    throw keyError('JWK key_ops must include "verify"', kid)
  }
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
  } catch (cause) {
    throw new ConfigurationError('ERR_CONFIG_KEY_INVALID', 'JWK could not be read', {
      cause,
      ...(kid === undefined ? {} : { kid }),
    })
  }
}
