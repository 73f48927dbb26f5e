import { createHash, generateKeyPair, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { KeyError } from '../errors.js'
import { Secret } from '../secrets/secret.js'
import { isArray } from './guards.js'

const generateKeyPairAsync = promisify(generateKeyPair)

/** An algorithm a generated signing key is pinned to. */
export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA'

const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA']
const RSA_MODULUS_LENGTHS = [2048, 3072, 4096] as const

/** Options for {@link generateSigningKey}. */
export interface GenerateSigningKeyOptions {
  /** Algorithm the key is pinned to through the JWK `alg` member. Default `RS256`. */
  algorithm?: SigningAlgorithm
  /**
   * Key ID published as `kid`, 1 to 128 characters of `[A-Za-z0-9._-]`. Default: the RFC 7638
   * JWK thumbprint (SHA-256, base64url) of the public key.
   */
  kid?: string
  /** RSA modulus length in bits: 2048, 3072 or 4096. Ignored for ES256 and EdDSA. Default 2048. */
  modulusLength?: 2048 | 3072 | 4096
}

/** A public JSON Web Key as published in a JWKS. Holds no private member. */
export interface PublicJsonWebKey {
  kty: string
  kid: string
  alg: string
  use: 'sig'
  [member: string]: unknown
}

/** A JSON Web Key Set of public signing keys. */
export interface PublicJsonWebKeySet {
  keys: PublicJsonWebKey[]
}

/** A generated signing key pair. The private key prints as `[redacted]`. */
export interface SigningKeyPair {
  /** The key ID, also set as `kid` in {@link SigningKeyPair.publicJwk}. */
  kid: string
  /** The algorithm the key is pinned to. */
  algorithm: SigningAlgorithm
  /** The public key as a JWK with `kid`, `alg` and `use: "sig"`. */
  publicJwk: PublicJsonWebKey
  /** The public key as SPKI PEM. */
  publicKeyPem: string
  /** The private key as PKCS#8 PEM. Store it with mode 0600; never log it. */
  privateKeyPem: Secret
}

// Members of a private JWK (RFC 7518 section 6) and of a symmetric one, never published.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

// Required members per key type for the RFC 7638 thumbprint, in lexicographic order.
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
}

/**
 * Generates a signing key pair for JWTs: RSA for RS256 and PS256, P-256 for ES256 or Ed25519 for
 * EdDSA, with a `kid`. Publish {@link SigningKeyPair.publicJwk} with {@link publishJwks} before
 * the issuer signs with the private key.
 *
 * @throws TypeError or RangeError for an unknown algorithm, modulus length or invalid `kid`.
 * @throws KeyError `ERR_KEY_GENERATION_FAILED` when node:crypto fails to generate the key.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey({ algorithm: 'ES256' })
 * const jwks = publishJwks({ keys: [key.publicJwk], existing: currentJwks })
 * ```
 */
export async function generateSigningKey(
  options: GenerateSigningKeyOptions = {},
): Promise<SigningKeyPair> {
  const algorithm = options.algorithm ?? 'RS256'
  if (!SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new TypeError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}`)
  }
  const modulusLength = options.modulusLength ?? 2048
  if (!RSA_MODULUS_LENGTHS.includes(modulusLength)) {
    throw new RangeError('modulusLength must be 2048, 3072 or 4096')
  }
  if (options.kid !== undefined) assertKid(options.kid)

  const { publicKey, privateKey } = await generatePair(algorithm, modulusLength)
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>
  const kid = options.kid ?? jwkThumbprint(jwk)
  return {
    kid,
    algorithm,
    publicJwk: { ...jwk, kty: String(jwk.kty), kid, alg: algorithm, use: 'sig' },
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: new Secret(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
  }
}

async function generatePair(
  algorithm: SigningAlgorithm,
  modulusLength: number,
): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  try {
    if (algorithm === 'ES256') return await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
    if (algorithm === 'EdDSA') return await generateKeyPairAsync('ed25519')
    return await generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 })
  } catch (error) {
    throw new KeyError('ERR_KEY_GENERATION_FAILED', 'Failed to generate the signing key', {
      cause: error,
    })
  }
}

/**
 * Computes the RFC 7638 thumbprint of a public JWK: SHA-256 over the required members in
 * lexicographic order, base64url without padding.
 *
 * @throws KeyError `ERR_KEY_INVALID` when the key type is not RSA, EC or OKP or a required member
 * is missing.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const kty = String(jwk.kty)
  // An own-property check, so that a key type such as `constructor` is not looked up on Object.
  const members = Object.hasOwn(THUMBPRINT_MEMBERS, kty) ? THUMBPRINT_MEMBERS[kty] : undefined
  if (!members) throw new KeyError('ERR_KEY_INVALID', 'JWK key type must be RSA, EC or OKP')
  const canonical: Record<string, string> = {}
  for (const member of members) {
    const value = jwk[member]
    if (typeof value !== 'string' || value === '') {
      throw new KeyError('ERR_KEY_INVALID', `JWK member "${member}" is missing`)
    }
    canonical[member] = value
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}

/** Options for {@link publishJwks}. */
export interface PublishJwksOptions {
  /** Keys to publish first, newest first. Each needs a `kid`. */
  keys: readonly Readonly<Record<string, unknown>>[]
  /** The JWKS published now. Its keys follow `keys`, unless `retire` names them. Default none. */
  existing?: { keys: readonly Readonly<Record<string, unknown>>[] }
  /** Key IDs to leave out: keys no issuer signs with any more. Default none. */
  retire?: readonly string[]
  /** Maximum number of keys in the result; older keys beyond it are dropped. Default 10. */
  maxKeys?: number
}

/**
 * Builds the JWKS to publish during a signing-key rotation: the new keys, then the keys already
 * published, without the retired ones. Private members are removed and every key gets
 * `use: "sig"`, so a private JWK passed by mistake never ends up in the set.
 *
 * @throws TypeError or RangeError for invalid options.
 * @throws KeyError `ERR_KEY_INVALID` when a key has no `kid` or `alg`, or two keys share a `kid`
 * with different key material.
 *
 * @example
 * ```ts
 * // Publish: new and old key side by side, then switch the issuer to the new key.
 * const both = publishJwks({ keys: [next.publicJwk], existing: published })
 * // Retire: once no valid token is signed with the old key.
 * const onlyNew = publishJwks({ keys: [], existing: both, retire: [oldKid] })
 * ```
 */
export function publishJwks(options: PublishJwksOptions): PublicJsonWebKeySet {
  const maxKeys = options.maxKeys ?? 10
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError('maxKeys must be a positive integer')
  }
  const keys: readonly Readonly<Record<string, unknown>>[] = options.keys
  if (!isArray(keys)) throw new TypeError('keys must be an array of JWKs')
  const retired = new Set(options.retire ?? [])
  const result = new Map<string, PublicJsonWebKey>()
  for (const input of [...keys, ...(options.existing?.keys ?? [])]) {
    const key = toPublicJwk(input)
    if (retired.has(key.kid)) continue
    const known = result.get(key.kid)
    if (known && jwkThumbprint(known) !== jwkThumbprint(key)) {
      throw new KeyError('ERR_KEY_INVALID', `Two different keys share the kid "${key.kid}"`, {
        kid: key.kid,
      })
    }
    if (!known) result.set(key.kid, key)
  }
  return { keys: [...result.values()].slice(0, maxKeys) }
}

function toPublicJwk(input: Readonly<Record<string, unknown>>): PublicJsonWebKey {
  const copy: Record<string, unknown> = { ...input }
  for (const member of PRIVATE_MEMBERS) delete copy[member]
  const { kty, kid, alg } = copy
  if (typeof kty !== 'string' || !Object.hasOwn(THUMBPRINT_MEMBERS, kty)) {
    throw new KeyError('ERR_KEY_INVALID', 'JWK key type must be RSA, EC or OKP')
  }
  if (typeof kid !== 'string' || kid === '') {
    throw new KeyError('ERR_KEY_INVALID', 'Every published JWK needs a kid')
  }
  if (typeof alg !== 'string' || !SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm)) {
    throw new KeyError('ERR_KEY_INVALID', `JWK "${kid}" needs alg RS256, PS256, ES256 or EdDSA`, {
      kid,
    })
  }
  jwkThumbprint(copy)
  return { ...copy, kty, kid, alg, use: 'sig' }
}

function assertKid(kid: string): void {
  if (typeof kid !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(kid)) {
    throw new TypeError('kid must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_" or "-"')
  }
}
