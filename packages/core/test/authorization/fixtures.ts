import { randomBytes } from 'node:crypto'
import { startCloudEmulator } from '@harmony-auth/testing'
import type { CloudEmulator, CloudEmulatorOptions } from '@harmony-auth/testing'
import { SignJWT } from 'jose'
import { AuthorizationClient } from '../../src/authorization/authorization-client.js'
import type {
  AuthorizationClientOptions,
  MachineTokenStore,
} from '../../src/authorization/types.js'
import type { LogFields, Logger } from '../../src/support/logger.js'
import { MachineToken } from '../../src/token-store/machine-token.js'
import type { MachineTokenInput } from '../../src/token-store/machine-token.js'

/** The frozen time of every authorization test. */
export const NOW = new Date('2026-06-01T10:00:00.000Z')
export const frozenClock = (): Date => new Date(NOW.getTime())
export const nowSeconds = Math.floor(NOW.getTime() / 1000)

/** Returns a fresh 32-byte HS256 secret. */
export function newSecret(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

/** Signs a user JWT with HS256 (or `alg`), valid at {@link NOW} unless the claims override `iat` or `exp`. */
export async function signUserJwt(
  secret: Uint8Array,
  claims: Record<string, unknown>,
  alg = 'HS256',
): Promise<string> {
  return new SignJWT({ sub: 'user-1', iat: nowSeconds, exp: nowSeconds + 600, ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(secret)
}

/** A token store in memory with the TokenStore contract, and a switch that makes save fail. */
export class MemoryTokenStore implements MachineTokenStore {
  token: MachineToken | undefined
  saves = 0
  failSave: Error | undefined

  save(input: MachineTokenInput): Promise<MachineToken> {
    this.saves += 1
    if (this.failSave) return Promise.reject(this.failSave)
    this.token = new MachineToken(input, frozenClock)
    return Promise.resolve(this.token)
  }

  load(): Promise<MachineToken | undefined> {
    return Promise.resolve(this.token)
  }
}

/** A log record as the capturing logger stored it. */
export interface LogRecord {
  level: string
  fields: LogFields
  message: string | undefined
}

/** Creates a logger that keeps every record, with their JSON text for canary searches. */
export function captureLogger(): { logger: Logger; records: LogRecord[]; text: () => string } {
  const records: LogRecord[] = []
  const record =
    (level: string) =>
    (fields: LogFields, message?: string): void => {
      records.push({ level, fields, message })
    }
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  }
  return { logger, records, text: () => JSON.stringify(records) }
}

/** Everything an authorization test needs: an emulated cloud, a client and its parts. */
export interface AuthorizationSetup {
  cloud: CloudEmulator
  client: AuthorizationClient
  store: MemoryTokenStore
  secret: Uint8Array
  log: ReturnType<typeof captureLogger>
  /** Delays the client asked to sleep, in milliseconds; nothing really waits. */
  sleeps: number[]
  /** Signs a user JWT whose `iss` is the emulator, with the test secret. */
  userJwt: (claims?: Record<string, unknown>) => Promise<string>
}

/** Starts an emulator and a client that trusts it; close `cloud` after the test. */
export async function setUpAuthorization(
  options: Partial<AuthorizationClientOptions> = {},
  emulator: CloudEmulatorOptions = {},
): Promise<AuthorizationSetup> {
  const cloud = await startCloudEmulator({ clock: frozenClock, ...emulator })
  const secret = newSecret()
  const store = new MemoryTokenStore()
  const log = captureLogger()
  const sleeps: number[] = []
  const client = new AuthorizationClient({
    jwtSecret: secret,
    trustedIssuers: [cloud.origin],
    tokenStore: store,
    environment: 'development',
    env: {},
    clock: frozenClock,
    logger: log.logger,
    sleep: (ms) => {
      sleeps.push(ms)
      return Promise.resolve()
    },
    random: () => 0.5,
    ...options,
  })
  const userJwt = (claims: Record<string, unknown> = {}) =>
    signUserJwt(secret, { iss: cloud.origin, ...claims })
  return { cloud, client, store, secret, log, sleeps, userJwt }
}
