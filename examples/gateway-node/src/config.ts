import { homedir } from 'node:os'

/** Where the traffic port gets its RS256 public keys: a PEM file or a JWKS URL. */
export type KeySourceConfig = { kind: 'path'; path: string } | { kind: 'jwksUrl'; url: string }

/** The gateway's settings, read once from the environment at start. */
export interface GatewayConfig {
  trafficHost: string
  /** Traffic port; 0 picks a free port. */
  trafficPort: number
  managementHost: string
  /** Management port; 0 picks a free port. */
  managementPort: number
  /** Path prefix of the management routes, for example `/admin`. */
  managementBasePath: string
  keySource: KeySourceConfig
  /** Accepted `iss` values of traffic tokens; empty means not checked. */
  issuers: string[]
  /** Accepted `aud` values of traffic tokens; empty means not checked. */
  audiences: string[]
  /** Origins the management API may exchange user JWTs with. */
  trustedIssuers: string[]
  /** Backend that verified requests are forwarded to; absent means the built-in echo. */
  upstreamUrl: URL | undefined
  instanceId: string
  /** Folder that contains `.runbeam/<instanceId>/`. */
  homeDir: string
  /** Days before expiry from which the start-up check warns about the machine token. */
  renewalWarningDays: number
  /** Time that open requests get to finish after SIGINT or SIGTERM, in milliseconds. */
  shutdownTimeoutMs: number
  logLevel: string
}

/** Every variable the gateway itself reads, with its default where it has one. */
export const ENVIRONMENT_DEFAULTS = {
  TRAFFIC_HOST: '127.0.0.1',
  TRAFFIC_PORT: '8080',
  MANAGEMENT_HOST: '127.0.0.1',
  MANAGEMENT_PORT: '9090',
  MANAGEMENT_BASE_PATH: '/admin',
  INSTANCE_ID: 'harmony-gateway',
  RENEWAL_WARNING_DAYS: '7',
  SHUTDOWN_TIMEOUT_MS: '10000',
  LOG_LEVEL: 'info',
} as const

type Environment = Record<string, string | undefined>

/**
 * Reads the gateway configuration from environment variables.
 *
 * @throws Error naming the variable when a value is missing or invalid.
 */
export function readConfig(env: Environment = process.env): GatewayConfig {
  const value = (name: keyof typeof ENVIRONMENT_DEFAULTS): string =>
    nonEmpty(env[name]) ?? ENVIRONMENT_DEFAULTS[name]

  return {
    trafficHost: value('TRAFFIC_HOST'),
    trafficPort: readPort('TRAFFIC_PORT', value('TRAFFIC_PORT')),
    managementHost: value('MANAGEMENT_HOST'),
    managementPort: readPort('MANAGEMENT_PORT', value('MANAGEMENT_PORT')),
    managementBasePath: readBasePath(value('MANAGEMENT_BASE_PATH')),
    keySource: readKeySource(env),
    issuers: readList(env.JWT_ISSUER),
    audiences: readList(env.JWT_AUDIENCE),
    trustedIssuers: readTrustedIssuers(env.TRUSTED_ISSUERS),
    upstreamUrl: readUpstream(env.UPSTREAM_URL),
    instanceId: value('INSTANCE_ID'),
    homeDir: nonEmpty(env.HARMONY_HOME_DIR) ?? homedir(),
    renewalWarningDays: readNumber('RENEWAL_WARNING_DAYS', value('RENEWAL_WARNING_DAYS')),
    shutdownTimeoutMs: readNumber('SHUTDOWN_TIMEOUT_MS', value('SHUTDOWN_TIMEOUT_MS')),
    logLevel: value('LOG_LEVEL'),
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function readList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function readPort(name: string, text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(text)}`)
  }
  return port
}

function readNumber(name: string, text: string): number {
  const number = Number(text)
  if (!Number.isFinite(number) || number < 0) {
    throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(text)}`)
  }
  return number
}

function readBasePath(text: string): string {
  if (!/^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/.test(text)) {
    throw new Error(
      `MANAGEMENT_BASE_PATH must be a path such as /admin, got ${JSON.stringify(text)}`,
    )
  }
  return text
}

function readKeySource(env: Environment): KeySourceConfig {
  const path = nonEmpty(env.JWT_PUBLIC_KEY_PATH)
  const url = nonEmpty(env.JWKS_URL)
  if (path !== undefined && url !== undefined) {
    throw new Error('set only one of JWT_PUBLIC_KEY_PATH and JWKS_URL')
  }
  if (path !== undefined) return { kind: 'path', path }
  if (url !== undefined) return { kind: 'jwksUrl', url }
  throw new Error(
    'no traffic key configured: set JWT_PUBLIC_KEY_PATH to a PEM public key file or JWKS_URL to a JWKS endpoint',
  )
}

function readTrustedIssuers(text: string | undefined): string[] {
  const issuers = readList(text)
  if (issuers.length === 0) {
    throw new Error(
      'TRUSTED_ISSUERS is missing: set it to the cloud API origins the gateway may authorize with, comma separated',
    )
  }
  return issuers
}

function readUpstream(text: string | undefined): URL | undefined {
  const trimmed = nonEmpty(text)
  if (trimmed === undefined) return undefined
  if (!URL.canParse(trimmed)) {
    throw new Error(
      `UPSTREAM_URL must be an absolute http or https URL, got ${JSON.stringify(text)}`,
    )
  }
  const url = new URL(trimmed)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`UPSTREAM_URL must use http or https, got ${url.protocol}`)
  }
  return url
}
