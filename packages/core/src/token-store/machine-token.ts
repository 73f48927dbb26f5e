import { inspect } from 'node:util'
import { TokenStoreError } from '../errors.js'
import { Secret } from '../secrets/secret.js'
import { systemClock } from '../support/clock.js'
import type { Clock } from '../support/clock.js'
import { parseRfc3339 } from './rfc3339.js'

/** Input of {@link TokenStore.save}. */
export interface MachineTokenInput {
  /** The machine token issued by the cloud API. Stored encrypted, returned as a `Secret`. */
  machineToken: Secret | string
  /** When the token expires: a `Date` or an RFC 3339 string. */
  expiresAt: Date | string
  /** The gateway id the cloud API returned. */
  gatewayId: string
  /** The gateway code the cloud API returned. */
  gatewayCode: string
  /** Abilities the token grants. Default `[]`. */
  abilities?: readonly string[]
  /** When the token was issued: a `Date` or an RFC 3339 string. Default: the store's clock now. */
  issuedAt?: Date | string
}

/** The token file's JSON fields, without the token itself. */
export interface MachineTokenSummary {
  gateway_id: string
  gateway_code: string
  expires_at: string
  issued_at: string
  abilities: string[]
}

function invalidInput(field: string, problem: string): TokenStoreError {
  return new TokenStoreError(
    'ERR_TOKEN_STORE_INVALID_RECORD',
    `Invalid machine token: ${field} ${problem}`,
    {
      claim: field,
    },
  )
}

/**
 * Converts a `Date` or RFC 3339 string to a valid `Date`.
 *
 * @throws TokenStoreError `ERR_TOKEN_STORE_INVALID_RECORD` when the value is not a valid date.
 */
export function toDate(value: unknown, field: string): Date {
  let date: Date | undefined
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidInput(field, 'is an invalid Date')
    date = new Date(value.getTime())
  } else if (typeof value === 'string') {
    date = parseRfc3339(value)
    if (!date) throw invalidInput(field, 'is not an RFC 3339 date-time')
  } else {
    throw invalidInput(field, 'must be a Date or an RFC 3339 string')
  }
  // RFC 3339 has four-digit years only, so a later load could not read other years back.
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) throw invalidInput(field, 'is outside the UTC years 0000 to 9999')
  return date
}

function toText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalidInput(field, 'must be a non-empty string')
  return value
}

function toAbilities(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw invalidInput('abilities', 'must be an array of strings')
  }
  return [...value]
}

/**
 * A machine token with its gateway and validity, as {@link TokenStore.load} and `save` return
 * it. The token is a `Secret`, and `toJSON` leaves it out, so logging the object is safe.
 *
 * @example
 * ```ts
 * const token = await store.load()
 * if (!token?.isValid()) await authorizeAgain()
 * else if (token.expiresWithin(24 * 3600)) logger.warn({}, 'The machine token expires within a day')
 * ```
 */
export class MachineToken {
  /** The token to send to the cloud API. */
  readonly machineToken: Secret
  /** When the token expires. */
  readonly expiresAt: Date
  /** The gateway id the cloud API returned. */
  readonly gatewayId: string
  /** The gateway code the cloud API returned. */
  readonly gatewayCode: string
  /** Abilities the token grants. */
  readonly abilities: readonly string[]
  /** When the token was issued. */
  readonly issuedAt: Date
  readonly #clock: Clock

  /**
   * Validates and copies `input`.
   *
   * @param clock - Clock for `isValid`, `expiresWithin` and the default `issuedAt`. Default the
   * system clock.
   * @throws TokenStoreError `ERR_TOKEN_STORE_INVALID_RECORD` when a field is missing or invalid.
   */
  constructor(input: MachineTokenInput, clock: Clock = systemClock) {
    if (typeof input !== 'object' || input === null)
      throw invalidInput('input', 'must be an object')
    const token = input.machineToken
    if (!(token instanceof Secret) && typeof token !== 'string') {
      throw invalidInput('machineToken', 'must be a string or a Secret')
    }
    this.machineToken = Secret.from(token)
    if (this.machineToken.byteLength === 0) throw invalidInput('machineToken', 'is empty')
    this.expiresAt = toDate(input.expiresAt, 'expiresAt')
    this.gatewayId = toText(input.gatewayId, 'gatewayId')
    this.gatewayCode = toText(input.gatewayCode, 'gatewayCode')
    this.abilities = Object.freeze(toAbilities(input.abilities))
    this.issuedAt = input.issuedAt === undefined ? clock() : toDate(input.issuedAt, 'issuedAt')
    this.#clock = clock
    Object.freeze(this)
  }

  /** Returns whether the token has not yet expired by the clock: `expiresAt` is after now. */
  isValid(): boolean {
    return this.expiresAt.getTime() > this.#clock().getTime()
  }

  /**
   * Returns whether the token expires within `seconds` from now, or has expired already.
   *
   * @throws RangeError when `seconds` is negative or not a finite number.
   */
  expiresWithin(seconds: number): boolean {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError('expiresWithin(seconds) needs a finite number of seconds, at least 0')
    }
    return this.expiresAt.getTime() <= this.#clock().getTime() + seconds * 1000
  }

  /** Returns the gateway fields and dates, never the token. */
  toJSON(): MachineTokenSummary {
    return {
      gateway_id: this.gatewayId,
      gateway_code: this.gatewayCode,
      expires_at: this.expiresAt.toISOString(),
      issued_at: this.issuedAt.toISOString(),
      abilities: [...this.abilities],
    }
  }

  [inspect.custom](): string {
    return `MachineToken ${inspect({ ...this.toJSON(), machine_token: '[redacted]' })}`
  }
}
