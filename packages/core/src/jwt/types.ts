import type { HarmonyAuthErrorCode } from '../errors.js'
import type { HmacSecretEntry } from './secret-window.js'
import type { Clock } from '../support/clock.js'
import type { Logger } from '../support/logger.js'

/** A JWS algorithm the verifier can check. */
export type JwtAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'HS256'

/** An algorithm checked with a public key. */
export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>

/** Members of a JSON Web Key (RFC 7517) that the verifier reads. Other members are ignored. */
export interface JsonWebKeyInput {
  kty: string
  kid?: string
  alg?: string
  use?: string
  key_ops?: readonly string[]
  crv?: string
  n?: string
  e?: string
  x?: string
  y?: string
  [member: string]: unknown
}

/** A JSON Web Key Set (RFC 7517 section 5). */
export interface JsonWebKeySetInput {
  keys: readonly JsonWebKeyInput[]
}

/** Members every local key source accepts. */
interface LocalKeyOptions {
  /**
   * Key ID matched exactly against the token's `kid`. For `jwk` and `jwks` sources the key's own
   * `kid` member is used when this is absent. Default: none.
   */
  kid?: string
  /**
   * Pins the key to one algorithm. For a JWK its `alg` member pins it when this is absent.
   * Default: every listed algorithm that fits the key type (RSA: RS256 and PS256, P-256: ES256,
   * Ed25519: EdDSA).
   */
  algorithm?: AsymmetricAlgorithm
}

/** A public key as SPKI PEM (`BEGIN PUBLIC KEY`) or PKCS#1 PEM (`BEGIN RSA PUBLIC KEY`). */
export interface PemKeySource extends LocalKeyOptions {
  pem: string | Uint8Array
  jwk?: never
  jwks?: never
  certificate?: never
  path?: never
  jwksUrl?: never
}

/** One public JSON Web Key. */
export interface JwkKeySource extends LocalKeyOptions {
  jwk: JsonWebKeyInput
  pem?: never
  jwks?: never
  certificate?: never
  path?: never
  jwksUrl?: never
}

/** A local JSON Web Key Set. Each key keeps its own `kid` and `alg`. */
export interface JwksKeySource {
  jwks: JsonWebKeySetInput
  pem?: never
  jwk?: never
  certificate?: never
  path?: never
  jwksUrl?: never
}

/** The public key of an X.509 certificate in PEM (`BEGIN CERTIFICATE`). */
export interface CertificateKeySource extends LocalKeyOptions {
  certificate: string | Uint8Array
  pem?: never
  jwk?: never
  jwks?: never
  path?: never
  jwksUrl?: never
}

/**
 * A file holding a public key as SPKI PEM, PKCS#1 PEM or X.509 certificate PEM. The file is read
 * at construction and again by `JwtVerifier.reload()`.
 */
export interface PathKeySource extends LocalKeyOptions {
  path: string
  pem?: never
  jwk?: never
  jwks?: never
  certificate?: never
  jwksUrl?: never
}

/**
 * A JSON Web Key Set fetched over HTTPS and cached. The first fetch happens on the first `verify`
 * call, and later refreshes start from `verify` calls too, so the verifier runs no timers.
 *
 * > [!NOTE]
 * > `Cache-Control` and `Expires` of the JWKS response are not read: `maxAgeSeconds` alone sets
 * > when the set is refreshed. Keys whose type or `alg` this verifier cannot use are skipped.
 */
export interface RemoteJwksKeySource {
  /** The JWKS URL. Must be `https:`, or `http:` on a loopback host (127.0.0.0/8, `::1`, `localhost`). */
  jwksUrl: string | URL
  /** Time limit of one fetch, in milliseconds. Default 5000. */
  timeoutMs?: number
  /** Maximum size of a JWKS response body, in bytes. Default 65536. */
  maxResponseBytes?: number
  /** Maximum number of keys in a JWKS response; a larger set is rejected whole. Default 100. */
  maxKeys?: number
  /** Time after which a fetched key set is refreshed, in seconds, 1 to 600. Default 600. */
  maxAgeSeconds?: number
  /** Minimum time between refreshes caused by an unknown `kid`, in seconds. Default 30. */
  cooldownSeconds?: number
  /**
   * Time past `maxAgeSeconds` in which the last fetched keys keep verifying while refreshes fail,
   * in seconds. Default 3600.
   */
  staleSeconds?: number
  pem?: never
  jwk?: never
  jwks?: never
  certificate?: never
  path?: never
}

/** A source of public keys: exactly one of these forms per entry. */
export type KeySource =
  | PemKeySource
  | JwkKeySource
  | JwksKeySource
  | CertificateKeySource
  | PathKeySource
  | RemoteJwksKeySource

/** HS256 secrets. Enabling HS256 takes this explicit option; a public key never serves as one. */
export interface Hs256Options {
  /**
   * Secrets tried in order, for rotation. Each must be at least 32 bytes; strings are UTF-8. An
   * entry `{ secret, notAfter }` is tried only while the `clock` option reads a time before
   * `notAfter`, so a previous secret stops verifying by itself. Entries already past `notAfter`
   * at construction are dropped. Default for `notAfter`: none, so the secret has no end.
   */
  secrets: readonly HmacSecretEntry[]
}

/** Options of the verified-token cache. */
export interface VerifierCacheOptions {
  /** Maximum number of cached tokens; the least recently used entry is evicted first. Default 1000. */
  maxEntries?: number
  /** Maximum lifetime of an entry, in seconds; an entry never outlives the token's `exp`. Default 60. */
  ttlSeconds?: number
}

/** A failed verification as reported to `onFailure`. Contains no token or key material. */
export interface VerificationFailure {
  /** The stable error code, for example `ERR_JWT_EXPIRED`. */
  code: HarmonyAuthErrorCode
  /** The `kid` of the token, truncated to 64 characters, when it had a string `kid`. */
  kid?: string
  /** The claim that failed a check, when one did. */
  claim?: string
}

/** Options of {@link JwtVerifier}. Every option is checked once, at construction. */
export interface JwtVerifierOptions {
  /** Public key sources. Default: none, which is allowed only when `hs256` is given. */
  keys?: readonly KeySource[]
  /**
   * Accepted `alg` values. Default `['RS256']`, plus `'HS256'` when `hs256` is given (only
   * `['HS256']` when `keys` is empty). `none` can never be listed.
   */
  algorithms?: readonly JwtAlgorithm[]
  /** Enables HS256 with the given secrets. Default: HS256 disabled. */
  hs256?: Hs256Options
  /** Accepted `iss` values; when set, `iss` is required. Default: `iss` not checked. */
  issuer?: string | readonly string[]
  /** Accepted audiences; when set, `aud` is required and must contain one. Default: not checked. */
  audience?: string | readonly string[]
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds, 0 to 300. Default 60. */
  leewaySeconds?: number
  /**
   * Required `typ` header, compared as a media type: case-insensitive, `application/` optional.
   * Default: `typ` not checked.
   */
  typ?: string
  /** Header names a token may list in `crit`. Default: none, so any `crit` fails. */
  crit?: readonly string[]
  /** Maximum token length, in bytes, checked before any decoding. Default 8192. */
  maxTokenBytes?: number
  /** Claims that must be present besides `exp`, `iss` and `aud`. Default: none. */
  requiredClaims?: readonly string[]
  /** Whether `exp` is required. Default true. */
  requireExpiration?: boolean
  /** Maximum time since `iat`, in seconds; when set, `iat` is required. Default: not checked. */
  maxTokenAgeSeconds?: number
  /** Enables the verified-token cache; `true` uses the default cache options. Default false. */
  cache?: boolean | VerifierCacheOptions
  /**
   * Number of verifications in flight from which signature checks run on the libuv threadpool
   * instead of the event loop. In flight are the threadpool checks not yet finished plus the
   * checks started in the current synchronous turn (for example by a `Promise.all`), so a single
   * verification always stays synchronous. `Infinity` keeps every check on the event loop.
   * Default 4.
   */
  asyncThreshold?: number
  /**
   * Source of the current time; it must return a valid `Date`, and is called once at construction
   * to check that. Default: the system clock.
   */
  clock?: Clock
  /** Receives failure codes at debug level and JWKS refresh problems at warn. Default: silent. */
  logger?: Logger
  /**
   * Called once per failed `authenticate()` call, for metrics. An error it throws, or a rejection
   * of the promise it returns, goes to `logger` at error level. Default: none.
   */
  onFailure?: (failure: VerificationFailure) => void
}

/** Registered and custom claims of a verified token. */
export interface JwtPayload {
  iss?: string
  sub?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  [claim: string]: unknown
}

/** The protected header of a verified token. */
export interface JwtHeader {
  alg: JwtAlgorithm
  kid?: string
  typ?: string
  cty?: string
  crit?: string[]
  [member: string]: unknown
}

/** The key that verified a token. Never contains key material. */
export interface VerifiedKey {
  /** The key ID, when the key has one. */
  kid?: string
  /** The algorithm that verified the signature. */
  algorithm: JwtAlgorithm
  /** The kind of source the key came from. */
  source: 'pem' | 'jwk' | 'jwks' | 'certificate' | 'path' | 'jwksUrl' | 'hs256'
}

/**
 * The result of a successful verification. `protectedHeader` and `key` are frozen and shared
 * between results; with the cache on, the whole result is frozen and shared.
 */
export interface VerifyResult {
  payload: JwtPayload
  protectedHeader: JwtHeader
  key: VerifiedKey
}

/** An `authenticate()` call whose bearer token verified. */
export interface AuthenticateSuccess extends VerifyResult {
  ok: true
}

/**
 * The HTTP 401 reply for a failed `authenticate()` call (RFC 6750 section 3). The headers and body
 * never reveal why; `code` is for server-side logs and metrics and must not be sent.
 */
export interface AuthenticateFailure {
  ok: false
  status: 401
  /** `www-authenticate` and `content-type`, lower-case as node:http sends them. */
  headers: { 'www-authenticate': string; 'content-type': 'application/json' }
  /** A generic JSON body: `{"error":"Unauthorized","message":…}`. */
  body: string
  /** The RFC 6750 error code in `WWW-Authenticate`, absent when no credentials were sent. */
  error?: 'invalid_request' | 'invalid_token'
  /** The reason code. For logs and metrics only. */
  code: HarmonyAuthErrorCode
}

/** The outcome of `JwtVerifier.authenticate()`. */
export type AuthenticateResult = AuthenticateSuccess | AuthenticateFailure
