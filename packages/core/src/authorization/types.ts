import type { HmacSecretEntry } from '../jwt/secret-window.js'
import type { Clock } from '../support/clock.js'
import type { Logger } from '../support/logger.js'
import type { MachineToken, MachineTokenInput } from '../token-store/machine-token.js'

/** The part of `TokenStore` the authorization flow uses. A `TokenStore` fits as it is. */
export interface MachineTokenStore {
  save(input: MachineTokenInput): Promise<MachineToken>
  load(): Promise<MachineToken | undefined>
}

/** Retry policy of the token exchange. Only network errors and 429, 502, 503, 504 are retried. */
export interface AuthorizeRetryOptions {
  /** Maximum number of attempts, retries included, 1 to 10. Default 3. */
  maxAttempts?: number
  /** Delay before the first retry, in milliseconds; doubled per retry, with jitter. Default 250. */
  baseDelayMs?: number
  /** Maximum delay between two attempts, in milliseconds, `Retry-After` included. Default 5000. */
  maxDelayMs?: number
  /**
   * Total time of all attempts and delays, in milliseconds. No retry starts that could not finish
   * its delay inside it, and a retry times out when the budget runs out. The first attempt always
   * gets the full `timeoutMs`. Default 30000.
   */
  budgetMs?: number
}

/** Options of {@link AuthorizationClient}. Every option is checked once, at construction. */
export interface AuthorizationClientOptions {
  /**
   * HS256 secrets of user JWTs, tried in order during a rotation. Each must be at least 32 bytes;
   * strings are used as UTF-8 bytes. An entry `{ secret, notAfter }` verifies only while `clock`
   * reads a time before `notAfter`. Default: `RUNBEAM_JWT_SECRET` followed by the secrets of
   * `RUNBEAM_JWT_SECRET_PREVIOUS` (separated by commas or newlines, each trimmed), else (outside
   * production only) the Harmony development default, with a warning.
   */
  jwtSecret?: HmacSecretEntry | readonly HmacSecretEntry[]
  /**
   * End of the window in which the secrets of `RUNBEAM_JWT_SECRET_PREVIOUS` verify user JWTs. From
   * this instant of `clock` on they verify nothing, and a client constructed later logs the
   * warning `HARMONY_AUTH_PREVIOUS_JWT_SECRET_ENDED`. Applies to the environment only, so with
   * `jwtSecret` give `{ secret, notAfter }` entries instead.
   * Default: none, so previous secrets verify until the variable is removed.
   */
  previousSecretNotAfter?: Date
  /**
   * Cloud API origins a user JWT's `iss` may name, such as `https://api.runbeam.io`. Compared
   * exactly after normalization; http is allowed only for loopback hosts outside production.
   */
  trustedIssuers: readonly string[]
  /** The store that saves the machine token, usually a `TokenStore`. */
  tokenStore: MachineTokenStore
  /** Required `aud` values of user JWTs. Default: `aud` not checked. */
  audience?: string | readonly string[]
  /** Production forbids the development secret and http issuers. Default: from `NODE_ENV`. */
  environment?: 'production' | 'development'
  /**
   * Environment read for `RUNBEAM_JWT_SECRET`, `RUNBEAM_JWT_SECRET_PREVIOUS` and `NODE_ENV`.
   * Default `process.env`.
   */
  env?: NodeJS.ProcessEnv
  /** Time limit of one exchange attempt, response body included, in milliseconds. Default 10000. */
  timeoutMs?: number
  /** Maximum size of the exchange response body, in bytes. Default 1048576 (1 MiB). */
  maxResponseBytes?: number
  /** Retry policy of the exchange. */
  retry?: AuthorizeRetryOptions
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch
  /** Source of the current time, for JWT checks and `issued_at`. Default: the system clock. */
  clock?: Clock
  /** Receives exchange outcomes and retries, never a token or upstream body. Default: silent. */
  logger?: Logger
  /**
   * Waits between retries and rejects when `signal` aborts; tests inject one that does not wait.
   * Default: a real timer.
   */
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>
  /** Returns a number in [0, 1) for retry jitter. Default `Math.random`. */
  random?: () => number
}

/** Options of one {@link AuthorizationClient.authorize} call. */
export interface AuthorizeOptions {
  /** The gateway code registered in the cloud: 1 to 128 characters of `[A-Za-z0-9._-]`. */
  gatewayCode: string
  /** The gateway's public key, sent as `machine_public_key`. Default: not sent. */
  machinePublicKey?: string
  /** Extra data for the cloud, sent as `metadata`; must be a plain JSON object. Default: not sent. */
  metadata?: Record<string, unknown>
  /**
   * Aborts the exchange. Before the cloud API's reply has arrived, an abort makes `authorize()`
   * reject with the signal's reason; once it has arrived, the token is still saved.
   */
  signal?: AbortSignal
}

/** The gateway as the cloud API describes it. */
export interface AuthorizedGateway {
  id: string
  code: string
  name: string
}

/** The outcome of a successful authorization. Never contains the machine token. */
export interface AuthorizeResult {
  gateway: AuthorizedGateway
  /** When the machine token expires. */
  expiresAt: Date
  /** Lifetime of the machine token, in whole seconds, as the cloud API reported it. */
  expiresIn: number
  /** Abilities granted to the gateway. */
  abilities: readonly string[]
}

/** The verified identity of a user JWT. */
export interface UserIdentity {
  /** The `sub` claim. */
  subject: string
  /** The trusted cloud API origin derived from `iss`. */
  origin: string
}

/** Options of {@link AuthorizationClient.checkExpiry}. */
export interface CheckExpiryOptions {
  /** Warn when the token expires within this many days. Default 7. */
  withinDays?: number
}

/** The state of the stored machine token, as {@link AuthorizationClient.checkExpiry} found it. */
export type ExpiryStatus =
  | { state: 'missing' }
  | { state: 'expired' | 'expiring' | 'valid'; expiresAt: Date; expiresInSeconds: number }
