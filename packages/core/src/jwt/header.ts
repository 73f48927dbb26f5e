import type { JwtAlgorithm } from './types.js'
import { deepFreeze } from './freeze.js'
import { decodeJsonSegment, fail, isJsonObject } from './parse.js'

/** The header rules of a verifier, prepared at construction. */
export interface HeaderPolicy {
  algorithms: ReadonlySet<string>
  /** The normalized media type `typ` must have, or undefined when `typ` is not checked. */
  typ: string | undefined
  crit: ReadonlySet<string>
}

/**
 * Normalizes a `typ` value as a media type (RFC 7515 section 4.1.9): lower-cased, with
 * `application/` added when the value has no slash.
 */
export function normalizeTyp(value: string): string {
  const lower = value.toLowerCase()
  return lower.includes('/') ? lower : `application/${lower}`
}

/**
 * Checks the `crit` member (RFC 7515 section 4.1.11): a non-empty array of names, each understood
 * by this verifier, present in the header and listed once. `b64` is understood only as `true`, because a JWT
 * never has an unencoded payload (RFC 7797 section 7).
 */
function checkCrit(header: Record<string, unknown>, understood: ReadonlySet<string>): void {
  const crit = header.crit
  if (!Array.isArray(crit) || crit.length === 0 || new Set(crit).size !== crit.length) {
    fail('ERR_JWT_HEADER_INVALID', 'JWT header is invalid')
  }
  for (const name of crit as unknown[]) {
    if (typeof name !== 'string' || name.length === 0) {
      fail('ERR_JWT_HEADER_INVALID', 'JWT header is invalid')
    }
    if (!Object.hasOwn(header, name) || header[name] === undefined) {
      fail('ERR_JWT_HEADER_INVALID', 'JWT header is invalid')
    }
    if (name === 'b64' ? header.b64 !== true : !understood.has(name)) {
      fail('ERR_JWT_CRIT_UNSUPPORTED', 'JWT critical header is not supported')
    }
  }
}

/**
 * Checks the header and returns its algorithm. Header members that name a key (`jwk`, `jku`,
 * `x5u`, `x5c`) are never read: keys come only from the configuration.
 *
 * @throws JwtVerificationError `ERR_JWT_HEADER_INVALID`, `ERR_JWT_ALG_NOT_ALLOWED`,
 *   `ERR_JWT_CRIT_UNSUPPORTED` or `ERR_JWT_TYP_INVALID`.
 */
export function checkHeader(header: Record<string, unknown>, policy: HeaderPolicy): JwtAlgorithm {
  const { alg, kid, typ } = header
  if (typeof alg !== 'string' || alg.length === 0) {
    fail('ERR_JWT_HEADER_INVALID', 'JWT header is invalid')
  }
  if (!policy.algorithms.has(alg)) fail('ERR_JWT_ALG_NOT_ALLOWED', 'JWT algorithm is not allowed')
  if (kid !== undefined && typeof kid !== 'string') {
    fail('ERR_JWT_HEADER_INVALID', 'JWT header is invalid')
  }
  if (header.crit !== undefined) checkCrit(header, policy.crit)
  if (policy.typ !== undefined && (typeof typ !== 'string' || normalizeTyp(typ) !== policy.typ)) {
    fail('ERR_JWT_TYP_INVALID', 'JWT type is invalid')
  }
  return alg as JwtAlgorithm
}

/** A header that passed {@link checkHeader}, frozen because results share it. */
export interface CheckedHeader {
  header: Readonly<Record<string, unknown>>
  alg: JwtAlgorithm
  kid: string | undefined
}

const MAX_CACHED_HEADERS = 256

/**
 * Decodes and checks headers, remembering the last few that passed. The tokens of one issuer
 * share a handful of headers, so most tokens skip the base64, JSON and header work.
 */
export class HeaderReader {
  readonly #policy: HeaderPolicy
  readonly #checked = new Map<string, CheckedHeader>()

  constructor(policy: HeaderPolicy) {
    this.#policy = policy
  }

  /** @throws JwtVerificationError as {@link checkHeader} does. */
  read(segment: string): CheckedHeader {
    const known = this.#checked.get(segment)
    if (known !== undefined) return known
    const header = decodeJsonSegment(segment)
    if (!isJsonObject(header)) fail('ERR_JWT_HEADER_INVALID', 'JWT header is invalid')
    const alg = checkHeader(header, this.#policy)
    const checked = { header: deepFreeze(header), alg, kid: header.kid as string | undefined }
    if (this.#checked.size >= MAX_CACHED_HEADERS) this.#checked.clear()
    this.#checked.set(segment, checked)
    return checked
  }
}
