import { AuthorizationError } from '../errors.js'
import { isValidName } from '../secrets/names.js'
import type { AuthorizedGateway } from './types.js'

/** A validated 2xx reply of `POST /api/harmony/authorize`. */
export interface ExchangeResponse {
  machineToken: string
  /** Lifetime in seconds as sent; may be fractional. */
  expiresIn: number
  expiresAt: Date
  gateway: AuthorizedGateway
  abilities: readonly string[]
}

const MAX_TOKEN_LENGTH = 16 * 1024
const MAX_FIELD_LENGTH = 1024
const MAX_ABILITIES = 256
// RFC 3339 date-time with seconds, optional fraction and a zone designator.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/
// The machine token is later sent in an Authorization header, so it must be visible ASCII.
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/
// eslint-disable-next-line no-control-regex -- control characters are exactly what it matches
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/

/**
 * Parses and validates the exchange reply field by field. The error names the field, never its
 * value, because the body may contain a token.
 *
 * @throws AuthorizationError `ERR_AUTHORIZE_BAD_RESPONSE` when the body is not JSON, a field is
 * missing, of the wrong type or out of range, or the token has already expired at `now`. Out of
 * range includes a machine token that is not visible ASCII, a gateway code that is not a valid
 * name and a date that does not exist.
 */
export function parseExchangeResponse(text: string, now: Date): ExchangeResponse {
  const body = parseObject(text)
  const machineToken = stringField(body, 'machine_token', MAX_TOKEN_LENGTH)
  if (!TOKEN_CHARACTERS.test(machineToken)) throw badResponse('machine_token')
  const expiresIn = body.expires_in
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw badResponse('expires_in')
  }
  const expiresAt = dateField(body, 'expires_at')
  if (expiresAt.getTime() <= now.getTime()) throw badResponse('expires_at')
  return {
    machineToken,
    expiresIn,
    expiresAt,
    gateway: gatewayField(body.gateway),
    abilities: abilitiesField(body.abilities),
  }
}

function parseObject(text: string): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    // The SyntaxError quotes part of the body, so it is not kept as the cause.
    throw new AuthorizationError(
      'ERR_AUTHORIZE_BAD_RESPONSE',
      'The cloud API reply is not valid JSON',
    )
  }
  if (!isRecord(body)) throw badResponse('body')
  return body
}

function stringField(
  record: Record<string, unknown>,
  name: string,
  maxLength: number,
  minLength = 1,
): string {
  const value = record[name]
  if (typeof value !== 'string' || value.length < minLength || value.length > maxLength) {
    throw badResponse(name)
  }
  return value
}

function dateField(record: Record<string, unknown>, name: string): Date {
  const value = record[name]
  const match = typeof value === 'string' ? RFC3339.exec(value) : null
  if (!match || !isCalendarDateTime(match)) throw badResponse(name)
  const date = new Date(match[0])
  if (Number.isNaN(date.getTime())) throw badResponse(name)
  return date
}

// Date() rolls 2026-06-31 over to July 1 and 24:00 to the next day, so the fields are checked.
function isCalendarDateTime(match: RegExpExecArray): boolean {
  const field = (index: number): number => Number(match[index] ?? 0)
  const month = field(2)
  const day = field(3)
  const daysInMonth = new Date(Date.UTC(field(1), month, 0)).getUTCDate()
  const dateValid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth
  const timeValid = field(4) <= 23 && field(5) <= 59 && field(6) <= 59
  const offsetValid = field(9) <= 23 && field(10) <= 59
  return dateValid && timeValid && offsetValid
}

function gatewayField(value: unknown): AuthorizedGateway {
  if (!isRecord(value)) throw badResponse('gateway')
  const gateway = {
    id: stringField(value, 'id', MAX_FIELD_LENGTH),
    code: stringField(value, 'code', MAX_FIELD_LENGTH),
    name: stringField(value, 'name', MAX_FIELD_LENGTH, 0),
  }
  // The code is stored and logged, so it must be a valid gateway code like the requested one.
  if (!isValidName(gateway.code)) throw badResponse('gateway.code')
  if (CONTROL_CHARACTERS.test(gateway.id)) throw badResponse('gateway.id')
  if (CONTROL_CHARACTERS.test(gateway.name)) throw badResponse('gateway.name')
  return gateway
}

function abilitiesField(value: unknown): readonly string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > MAX_ABILITIES) throw badResponse('abilities')
  for (const ability of value) {
    if (
      typeof ability !== 'string' ||
      ability.length > MAX_FIELD_LENGTH ||
      CONTROL_CHARACTERS.test(ability)
    ) {
      throw badResponse('abilities')
    }
  }
  return Object.freeze([...(value as string[])])
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function badResponse(field: string): AuthorizationError {
  return new AuthorizationError(
    'ERR_AUTHORIZE_BAD_RESPONSE',
    `The cloud API reply has a missing or invalid ${field} field`,
  )
}
