import { homedir } from 'node:os'

/** The settings of the Fastify gateway, read once from the environment at start. */
export interface FastifyGatewayConfig {
  trafficHost: string
  /** Traffic port; 0 picks a free port. */
  trafficPort: number
  managementHost: string
  /** Management port; 0 picks a free port. */
  managementPort: number
  /** Path prefix of the management routes, for example `/admin`. */
  managementBasePath: string
  /** SPKI or PKCS#1 PEM file of the RS256 public key, when the key comes from a file. */
  publicKeyPath: string | undefined
  /** JWKS endpoint, when the keys come from a URL. */
  jwksUrl: string | undefined
  /** Accepted `iss` values of traffic tokens; empty means not checked. */
  issuers: string[]
  /** Accepted `aud` values of traffic tokens; empty means not checked. */
  audiences: string[]
  /** Origins the management API may exchange user JWTs with. */
  trustedIssuers: string[]
  /** Days before expiry from which the start-up check warns about the machine token. */
  renewalWarningDays: number
  instanceId: string
  /** Folder that contains `.runbeam/<instanceId>/`. */
  homeDir: string
  /** Time that open requests get to finish after SIGINT or SIGTERM, in milliseconds. */
  shutdownTimeoutMs: number
}

type Environment = Record<string, string | undefined>

/**
 * Reads the configuration from the same variables as gateway-node, without `UPSTREAM_URL`.
 *
 * @throws Error naming the variable when a value is missing or invalid.
 */
export function readConfig(env: Environment = process.env): FastifyGatewayConfig {
  const publicKeyPath = nonEmpty(env.JWT_PUBLIC_KEY_PATH)
  const jwksUrl = nonEmpty(env.JWKS_URL)
  if ((publicKeyPath === undefined) === (jwksUrl === undefined)) {
    throw new Error('set exactly one of JWT_PUBLIC_KEY_PATH and JWKS_URL')
  }
  const trustedIssuers = readList(env.TRUSTED_ISSUERS)
  if (trustedIssuers.length === 0) {
    throw new Error('TRUSTED_ISSUERS is missing: set the cloud API origins, comma separated')
  }

  return {
    trafficHost: nonEmpty(env.TRAFFIC_HOST) ?? '127.0.0.1',
    trafficPort: readInteger('TRAFFIC_PORT', env.TRAFFIC_PORT, 8080, 65535),
    managementHost: nonEmpty(env.MANAGEMENT_HOST) ?? '127.0.0.1',
    managementPort: readInteger('MANAGEMENT_PORT', env.MANAGEMENT_PORT, 9090, 65535),
    managementBasePath: nonEmpty(env.MANAGEMENT_BASE_PATH) ?? '/admin',
    publicKeyPath,
    jwksUrl,
    issuers: readList(env.JWT_ISSUER),
    audiences: readList(env.JWT_AUDIENCE),
    trustedIssuers,
    renewalWarningDays: readInteger('RENEWAL_WARNING_DAYS', env.RENEWAL_WARNING_DAYS, 7),
    instanceId: nonEmpty(env.INSTANCE_ID) ?? 'harmony-gateway',
    homeDir: nonEmpty(env.HARMONY_HOME_DIR) ?? homedir(),
    shutdownTimeoutMs: readInteger('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 10_000),
  }
}

function readList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function nonEmpty(text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function readInteger(name: string, text: string | undefined, fallback: number, max = Infinity) {
  const trimmed = nonEmpty(text)
  if (trimmed === undefined) return fallback
  const value = Number(trimmed)
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be an integer from 0 to ${max}, got ${JSON.stringify(text)}`)
  }
  return value
}
