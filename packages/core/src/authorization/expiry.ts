import type { Logger } from '../support/logger.js'
import { warnOperator } from '../support/logger.js'
import type { MachineToken } from '../token-store/machine-token.js'
import type { ExpiryStatus } from './types.js'

const SECONDS_PER_DAY = 86_400
const DEFAULT_WITHIN_DAYS = 7

/**
 * Checks the `withinDays` option of `checkExpiry()`, default 7.
 *
 * @throws RangeError when it is not a finite number from 0.
 */
export function checkedWithinDays(withinDays: unknown): number {
  const days = withinDays ?? DEFAULT_WITHIN_DAYS
  if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) {
    throw new RangeError('withinDays must be a finite number of days from 0')
  }
  return days
}

/** Classifies the stored token at `now`: missing, expired, expiring within the window, or valid. */
export function expiryStatusOf(
  token: MachineToken | undefined,
  now: Date,
  withinDays: number,
): ExpiryStatus {
  if (!token) return { state: 'missing' }
  const remainingMs = token.expiresAt.getTime() - now.getTime()
  const expiresInSeconds = Math.max(0, Math.floor(remainingMs / 1000))
  const expiresAt = token.expiresAt
  if (remainingMs <= 0) return { state: 'expired', expiresAt, expiresInSeconds }
  if (expiresInSeconds <= withinDays * SECONDS_PER_DAY) {
    return { state: 'expiring', expiresAt, expiresInSeconds }
  }
  return { state: 'valid', expiresAt, expiresInSeconds }
}

/** Warns the operator, once per call, unless the token is valid beyond the window. */
export function warnAboutExpiry(
  logger: Logger | undefined,
  status: ExpiryStatus,
  token: MachineToken | undefined,
  withinDays: number,
): void {
  if (status.state === 'valid') return
  if (status.state === 'missing' || !token) {
    warnOperator(
      logger,
      'HARMONY_AUTH_TOKEN_MISSING',
      'No machine token is stored. Authorize the gateway',
    )
    return
  }
  const fields = { gatewayCode: token.gatewayCode, expiresAt: token.expiresAt.toISOString() }
  if (status.state === 'expired') {
    const message = 'The machine token has expired. Authorize the gateway again'
    warnOperator(logger, 'HARMONY_AUTH_TOKEN_EXPIRED', message, fields)
    return
  }
  const message = `The machine token expires within ${withinDays} days. Authorize the gateway again`
  warnOperator(logger, 'HARMONY_AUTH_TOKEN_EXPIRING', message, fields)
}
