import { createHash } from 'node:crypto'
import { ConfigurationError } from '../errors.js'
import {
  clockOption,
  functionOption,
  integerOption,
  invalid,
  names,
  numberOption,
  stringList,
} from './option-checks.js'
import type { Clock } from '../support/clock.js'
import type { Logger } from '../support/logger.js'
import { silentLogger } from '../support/logger.js'
import type { ClaimsPolicy } from './claims.js'
import type { HeaderPolicy } from './header.js'
import { normalizeTyp } from './header.js'
import type { JwtVerifierOptions, KeySource, VerificationFailure } from './types.js'

/** The options of a verifier after validation, with every default applied. */
export interface VerifierConfig {
  header: HeaderPolicy
  claims: ClaimsPolicy
  maxTokenBytes: number
  localSources: KeySource[]
  remoteSources: KeySource[]
  cache: { maxEntries: number; ttlMs: number } | undefined
  asyncThreshold: number
  clock: Clock | undefined
  logger: Logger
  onFailure: ((failure: VerificationFailure) => void) | undefined
  /** A digest of the options that decide a verdict, part of every cache key. */
  identity: string
}

const ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']
const SOURCE_MEMBERS = ['pem', 'jwk', 'jwks', 'certificate', 'path', 'jwksUrl'] as const
const MAX_LEEWAY_SECONDS = 300

function splitSources(keys: unknown): { local: KeySource[]; remote: KeySource[] } {
  if (keys === undefined) return { local: [], remote: [] }
  if (!Array.isArray(keys)) throw new TypeError('keys must be an array of key sources')
  const local: KeySource[] = []
  const remote: KeySource[] = []
  for (const source of keys as unknown[]) {
    if (typeof source !== 'object' || source === null)
      throw new TypeError('each key source must be an object')
    const members = SOURCE_MEMBERS.filter(
      (member) => (source as Record<string, unknown>)[member] !== undefined,
    )
    if (members.length !== 1) {
      throw new TypeError(
        'each key source needs exactly one of pem, jwk, jwks, certificate, path or jwksUrl',
      )
    }
    ;(members[0] === 'jwksUrl' ? remote : local).push(source as KeySource)
  }
  return { local, remote }
}

function algorithmsOf(
  options: JwtVerifierOptions,
  hasKeys: boolean,
  hasSecrets: boolean,
): Set<string> {
  if (options.algorithms === undefined) {
    if (!hasKeys && hasSecrets) return new Set(['HS256'])
    return new Set(hasSecrets ? ['RS256', 'HS256'] : ['RS256'])
  }
  if (!Array.isArray(options.algorithms)) throw new TypeError('algorithms must be an array')
  const listed = options.algorithms as unknown[]
  for (const algorithm of listed) {
    if (typeof algorithm !== 'string' || !ALGORITHMS.includes(algorithm)) {
      throw new RangeError(`algorithms may contain only ${ALGORITHMS.join(', ')}`)
    }
  }
  if (listed.length === 0) throw invalid('algorithms must not be empty')
  return new Set(listed as string[])
}

function checkKeyCoverage(algorithms: Set<string>, hasKeys: boolean, hasSecrets: boolean): void {
  if (algorithms.has('HS256') && !hasSecrets) {
    throw new ConfigurationError(
      'ERR_CONFIG_NO_VERIFICATION_KEY',
      'HS256 is listed but hs256.secrets is not given',
    )
  }
  if (!algorithms.has('HS256') && hasSecrets)
    throw invalid('hs256 is given but algorithms does not list HS256')
  const asymmetric = [...algorithms].some((algorithm) => algorithm !== 'HS256')
  if (asymmetric && !hasKeys) {
    throw new ConfigurationError(
      'ERR_CONFIG_NO_VERIFICATION_KEY',
      'No verification key is configured; add keys',
    )
  }
  if (!asymmetric && hasKeys) throw invalid('keys are given but algorithms lists only HS256')
}

function cacheOf(value: unknown): VerifierConfig['cache'] {
  if (value === undefined || value === false) return undefined
  if (value !== true && (typeof value !== 'object' || value === null)) {
    throw new TypeError('cache must be a boolean or an object')
  }
  const options = value === true ? {} : (value as Record<string, unknown>)
  return {
    maxEntries: integerOption(options.maxEntries, 'cache.maxEntries', 1, 10_000_000, 1000),
    ttlMs: numberOption(options.ttlSeconds, 'cache.ttlSeconds', 1, 86_400, 60) * 1000,
  }
}

/**
 * Validates the options and applies the defaults.
 *
 * @throws ConfigurationError `ERR_CONFIG_NO_VERIFICATION_KEY` or `ERR_CONFIG_INVALID`; TypeError or
 *   RangeError for options of the wrong type or out of range.
 */
export function resolveOptions(options: JwtVerifierOptions): VerifierConfig {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object')
  const { local, remote } = splitSources(options.keys)
  const hasKeys = local.length + remote.length > 0
  if (
    options.hs256 !== undefined &&
    (typeof options.hs256 !== 'object' || options.hs256 === null)
  ) {
    throw new TypeError('hs256 must be an object with a secrets array')
  }
  const hasSecrets = options.hs256 !== undefined
  const algorithms = algorithmsOf(options, hasKeys, hasSecrets)
  checkKeyCoverage(algorithms, hasKeys, hasSecrets)

  const leewaySeconds = numberOption(
    options.leewaySeconds,
    'leewaySeconds',
    0,
    MAX_LEEWAY_SECONDS,
    60,
  )
  const issuers = stringList(options.issuer, 'issuer')
  const audiences = stringList(options.audience, 'audience')
  const maxTokenAgeSeconds =
    options.maxTokenAgeSeconds === undefined
      ? undefined
      : numberOption(
          options.maxTokenAgeSeconds,
          'maxTokenAgeSeconds',
          0,
          Number.MAX_SAFE_INTEGER,
          0,
        )
  if (options.requireExpiration !== undefined && typeof options.requireExpiration !== 'boolean') {
    throw new TypeError('requireExpiration must be a boolean')
  }
  const typ = stringList(options.typ, 'typ')
  if (typ !== undefined && Array.isArray(options.typ)) throw new TypeError('typ must be a string')

  const required = new Set(names(options.requiredClaims, 'requiredClaims'))
  if (options.requireExpiration !== false) required.add('exp')
  if (issuers) required.add('iss')
  if (audiences) required.add('aud')
  if (maxTokenAgeSeconds !== undefined) required.add('iat')

  const claims: ClaimsPolicy = {
    leewaySeconds,
    requireExpiration: options.requireExpiration !== false,
    issuers: issuers && new Set(issuers),
    audiences,
    requiredClaims: [...required],
    maxTokenAgeSeconds,
  }
  const header: HeaderPolicy = {
    algorithms,
    typ: typ && normalizeTyp(typ[0]!),
    crit: new Set(names(options.crit, 'crit')),
  }
  const logger = options.logger ?? silentLogger
  if (
    typeof logger !== 'object' ||
    typeof logger.debug !== 'function' ||
    typeof logger.warn !== 'function'
  ) {
    throw new TypeError('logger must have debug, info, warn and error methods')
  }
  const maxTokenBytes = integerOption(options.maxTokenBytes, 'maxTokenBytes', 16, 1_048_576, 8192)
  const cache = cacheOf(options.cache)
  const identity = createHash('sha256')
    .update(
      JSON.stringify([
        [...algorithms],
        { ...claims, issuers },
        header.typ,
        [...header.crit],
        maxTokenBytes,
      ]),
    )
    .digest('base64url')
    .slice(0, 16)
  return {
    header,
    claims,
    maxTokenBytes,
    localSources: local,
    remoteSources: remote,
    cache,
    asyncThreshold: integerOption(options.asyncThreshold, 'asyncThreshold', 1, Infinity, 4),
    clock: clockOption(options.clock),
    logger,
    onFailure: functionOption(options.onFailure, 'onFailure'),
    identity,
  }
}
