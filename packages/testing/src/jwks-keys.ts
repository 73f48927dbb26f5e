import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  sign as signBytes,
  type KeyObject,
} from 'node:crypto'
import { promisify } from 'node:util'

const generateKeyPairAsync = promisify(generateKeyPair)

/** A JWS algorithm the JWKS test server can generate keys for and sign with. */
export type JwksAlgorithm =
  'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

/** A key to publish: generated for `alg` when `privateKey` is absent. */
export interface JwksKeyInput {
  /** Key ID published in the JWK and written to token headers. Default: `key-<n>`. */
  kid?: string
  /** Algorithm the key signs with and that the JWK advertises. Default `RS256`. */
  alg?: JwksAlgorithm
  /** Private key as a `KeyObject` or PEM text (PKCS#8, PKCS#1 or SEC1). Default: a new key. */
  privateKey?: KeyObject | string
  /**
   * Members merged into the published JWK after the generated ones, so a test can change or
   * drop (with `undefined`) `alg`, `use` or any other member.
   */
  jwk?: Record<string, unknown>
}

/** A key the JWKS test server publishes, with its private half for signing test tokens. */
export interface JwksTestKey {
  readonly kid: string
  readonly alg: JwksAlgorithm
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** The public JWK exactly as the server publishes it. */
  readonly jwk: Readonly<Record<string, unknown>>
  /** The public key as SPKI PEM text. */
  readonly publicKeyPem: string
}

interface AlgorithmProfile {
  keyType: 'rsa' | 'ec' | 'ed25519'
  namedCurve?: string
  hash: string | null
  pss?: boolean
}

const PROFILES: Record<JwksAlgorithm, AlgorithmProfile> = {
  RS256: { keyType: 'rsa', hash: 'sha256' },
  RS384: { keyType: 'rsa', hash: 'sha384' },
  RS512: { keyType: 'rsa', hash: 'sha512' },
  PS256: { keyType: 'rsa', hash: 'sha256', pss: true },
  PS384: { keyType: 'rsa', hash: 'sha384', pss: true },
  PS512: { keyType: 'rsa', hash: 'sha512', pss: true },
  ES256: { keyType: 'ec', namedCurve: 'P-256', hash: 'sha256' },
  ES384: { keyType: 'ec', namedCurve: 'P-384', hash: 'sha384' },
  ES512: { keyType: 'ec', namedCurve: 'P-521', hash: 'sha512' },
  EdDSA: { keyType: 'ed25519', hash: null },
}

function profileOf(alg: string): AlgorithmProfile {
  if (!Object.hasOwn(PROFILES, alg)) throw new RangeError(`Unsupported JWS algorithm: ${alg}`)
  return PROFILES[alg as JwksAlgorithm]
}

async function generatePrivateKey(profile: AlgorithmProfile): Promise<KeyObject> {
  if (profile.keyType === 'rsa') {
    return (await generateKeyPairAsync('rsa', { modulusLength: 2048 })).privateKey
  }
  if (profile.keyType === 'ec') {
    return (await generateKeyPairAsync('ec', { namedCurve: profile.namedCurve! })).privateKey
  }
  return (await generateKeyPairAsync('ed25519')).privateKey
}

function assertKeyFits(key: KeyObject, alg: string, profile: AlgorithmProfile): void {
  const fits =
    key.asymmetricKeyType === profile.keyType &&
    (profile.keyType !== 'ec' || curveOf(key) === profile.namedCurve)
  if (!fits) throw new TypeError(`The ${key.asymmetricKeyType} key does not fit algorithm ${alg}`)
}

function curveOf(key: KeyObject): string | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve
  const names: Record<string, string> = {
    prime256v1: 'P-256',
    secp384r1: 'P-384',
    secp521r1: 'P-521',
  }
  return curve === undefined ? undefined : (names[curve] ?? curve)
}

/** Generates or imports the key pair described by `input` and builds its public JWK. */
export async function createTestKey(input: JwksKeyInput, kid: string): Promise<JwksTestKey> {
  const alg = input.alg ?? 'RS256'
  const profile = profileOf(alg)
  const privateKey =
    input.privateKey === undefined
      ? await generatePrivateKey(profile)
      : typeof input.privateKey === 'string'
        ? createPrivateKey(input.privateKey)
        : input.privateKey
  if (privateKey.type !== 'private') throw new TypeError('privateKey must be a private key')
  assertKeyFits(privateKey, alg, profile)

  const publicKey = createPublicKey(privateKey)
  const jwk: Record<string, unknown> = {
    ...publicKey.export({ format: 'jwk' }),
    kid,
    alg,
    use: 'sig',
    ...input.jwk,
  }
  for (const name of Object.keys(jwk)) if (jwk[name] === undefined) delete jwk[name]
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return Object.freeze({ kid, alg, privateKey, publicKey, jwk: Object.freeze(jwk), publicKeyPem })
}

/** Encodes bytes or text as unpadded base64url, as JWS compact serialization requires. */
export function base64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url')
}

/**
 * Computes the JWS signature of `signingInput` with `key` for `alg`, with ECDSA signatures in the
 * fixed-width `r || s` form of RFC 7518 section 3.4 and RSA-PSS salts as long as the hash.
 */
export function signWithKey(signingInput: string, key: KeyObject, alg: string): Buffer {
  const profile = profileOf(alg)
  assertKeyFits(key, alg, profile)
  const data = Buffer.from(signingInput)
  if (profile.pss) {
    return signBytes(profile.hash, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
  }
  if (profile.keyType === 'ec')
    return signBytes(profile.hash, data, { key, dsaEncoding: 'ieee-p1363' })
  return signBytes(profile.hash, data, key)
}
