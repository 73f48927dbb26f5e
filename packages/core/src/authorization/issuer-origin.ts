import { AuthorizationError, ConfigurationError } from '../errors.js'

// Characters that WHATWG URL parsing silently drops or rewrites (tabs, newlines, backslashes,
// spaces) would let a look-alike string parse to another host, so they are rejected up front.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it matches
const UNSAFE_CHARACTERS = /[\s\\@\u0000-\u001f\u007f]/

/**
 * Returns whether `hostname`, as `URL.hostname` spells it, is a loopback host: `localhost`,
 * 127.0.0.0/8 or `[::1]`.
 */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * Parses `value` as an http(s) URL and returns its origin: scheme, lower-cased host and the port
 * only when it is not the scheme's default. Returns `undefined` for anything else, including
 * userinfo, `@`, whitespace, backslashes, a query or a fragment.
 */
export function originOf(value: string): string | undefined {
  if (UNSAFE_CHARACTERS.test(value)) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return undefined
  }
  if (value.includes('?') || value.includes('#')) return undefined
  return url.origin
}

/**
 * Normalizes the configured trusted issuers to origins, once, at construction.
 *
 * @throws ConfigurationError `ERR_CONFIG_INVALID` when an entry is not a bare http(s) origin.
 * @throws ConfigurationError `ERR_CONFIG_ISSUER_NOT_ALLOWED` when an entry uses http on a host
 * that is not loopback, or http at all in production.
 */
export function normalizeTrustedIssuers(
  issuers: readonly string[],
  production: boolean,
): ReadonlySet<string> {
  const origins = new Set<string>()
  for (const issuer of issuers) {
    const origin = originOf(issuer)
    if (origin === undefined || new URL(origin).href !== new URL(issuer).href) {
      throw new ConfigurationError(
        'ERR_CONFIG_INVALID',
        'Each trusted issuer must be a bare https origin such as https://api.runbeam.io',
      )
    }
    assertTransportAllowed(origin, production)
    origins.add(origin)
  }
  return origins
}

function assertTransportAllowed(origin: string, production: boolean): void {
  const url = new URL(origin)
  if (url.protocol === 'https:') return
  if (!production && isLoopbackHost(url.hostname)) return
  throw new ConfigurationError(
    'ERR_CONFIG_ISSUER_NOT_ALLOWED',
    'A trusted issuer must use https; http is allowed only for loopback hosts outside production',
  )
}

/**
 * Returns the cloud API origin for a verified `iss` claim, which must equal a trusted origin
 * exactly. No request is ever sent to an origin that fails this check.
 *
 * @throws AuthorizationError `ERR_AUTHORIZE_ISSUER_NOT_TRUSTED` when `iss` is not a plain http(s)
 * URL or its origin is not trusted.
 */
export function trustedOriginOf(issuer: string, trusted: ReadonlySet<string>): string {
  const origin = originOf(issuer)
  if (origin === undefined || !trusted.has(origin)) {
    throw new AuthorizationError(
      'ERR_AUTHORIZE_ISSUER_NOT_TRUSTED',
      'The token issuer is not a trusted cloud API origin',
      { claim: 'iss' },
    )
  }
  return origin
}
