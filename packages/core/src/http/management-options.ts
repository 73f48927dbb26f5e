import type { IncomingMessage } from 'node:http'
import { checkedInteger } from '../authorization/retry.js'
import { systemClock } from '../support/clock.js'
import type { Clock } from '../support/clock.js'
import { silentLogger } from '../support/logger.js'
import type { Logger } from '../support/logger.js'
import type { ManagementHandlerOptions } from './management-handler.js'

/** The handler's options after checking, with every default filled in. */
export interface PreparedManagementOptions {
  basePath: string
  client: ManagementHandlerOptions['authorizationClient']
  tokenStore: ManagementHandlerOptions['tokenStore']
  authenticateTokenRoute: boolean
  rateLimit: { maxRequests: number; windowSeconds: number } | undefined
  maxBodyBytes: number
  clientAddress: (request: IncomingMessage) => string
  realm: string
  clock: Clock
  logger: Logger
  failureLogIntervalSeconds: number
}

/**
 * Checks the options of `createManagementHandler` once and fills in the defaults.
 *
 * @throws TypeError or RangeError for an option of the wrong type or out of range.
 */
export function checkedManagementOptions(
  options: ManagementHandlerOptions,
): PreparedManagementOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createManagementHandler options must be an object')
  }
  const client = options.authorizationClient as Partial<PreparedManagementOptions['client']>
  if (typeof client?.authorize !== 'function' || typeof client.verifyUserToken !== 'function') {
    throw new TypeError('authorizationClient must be an AuthorizationClient')
  }
  if (typeof (options.tokenStore as { load?: unknown } | undefined)?.load !== 'function') {
    throw new TypeError('tokenStore must have a load() method, like TokenStore')
  }
  return {
    basePath: checkedBasePath(options.basePath ?? ''),
    client: options.authorizationClient,
    tokenStore: options.tokenStore,
    authenticateTokenRoute: checkedBoolean(
      'authenticateTokenRoute',
      options.authenticateTokenRoute ?? false,
    ),
    rateLimit: checkedRateLimit(options.rateLimit),
    maxBodyBytes: checkedInteger('maxBodyBytes', options.maxBodyBytes ?? 65_536, 1, 1024 * 1024),
    clientAddress: checkedFunction('clientAddress', options.clientAddress) ?? remoteAddressOf,
    realm: checkedRealm(options.realm ?? 'harmony'),
    clock: checkedFunction('clock', options.clock) ?? systemClock,
    logger: checkedLogger(options.logger),
    failureLogIntervalSeconds: checkedInteger(
      'failureLogIntervalSeconds',
      options.failureLogIntervalSeconds ?? 60,
      0,
      86_400,
    ),
  }
}

function checkedLogger(logger: unknown): Logger {
  if (logger === undefined) return silentLogger
  const methods = ['debug', 'info', 'warn', 'error']
  const candidate = logger as Record<string, unknown> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    methods.some((method) => typeof candidate[method] !== 'function')
  ) {
    throw new TypeError('logger must have debug, info, warn and error methods')
  }
  return logger as Logger
}

function checkedBasePath(basePath: unknown): string {
  if (typeof basePath !== 'string') throw new TypeError('basePath must be a string')
  const trimmed = basePath.replace(/\/+$/, '')
  if (trimmed !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed)) {
    throw new RangeError('basePath must be empty or a path such as /admin')
  }
  return trimmed
}

function checkedRateLimit(
  rateLimit: ManagementHandlerOptions['rateLimit'],
): PreparedManagementOptions['rateLimit'] {
  if (rateLimit === false) return undefined
  if (rateLimit !== undefined && (typeof rateLimit !== 'object' || rateLimit === null)) {
    throw new TypeError('rateLimit must be an object or false')
  }
  return {
    maxRequests: checkedInteger('rateLimit.maxRequests', rateLimit?.maxRequests ?? 10, 1, 1e6),
    windowSeconds: checkedInteger(
      'rateLimit.windowSeconds',
      rateLimit?.windowSeconds ?? 60,
      1,
      86_400,
    ),
  }
}

function checkedRealm(realm: unknown): string {
  if (typeof realm !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(realm) || /["\\]/.test(realm)) {
    throw new TypeError('realm must be 1 to 64 printable ASCII characters without quotes')
  }
  return realm
}

function checkedBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`)
  return value
}

function checkedFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name} must be a function`)
  }
  return value
}

function remoteAddressOf(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown'
}
