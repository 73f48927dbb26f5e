import { AuthorizationError } from '../errors.js'
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
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * Parses and validates the exchange reply field by field. The error names the field, never its
 * value, because the body may contain a token.
 *
 * @throws AuthorizationError `ERR_AUTHORIZE_BAD_RESPONSE` when the body is not JSON, a field is
 * missing or of the wrong type, or the token has already expired at `now`.
 */
export function parseExchangeResponse(text: string, now: Date): ExchangeResponse {
  const body = parseObject(text)
  const machineToken = stringField(body, 'machine_token', MAX_TOKEN_LENGTH)
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
  if (typeof value !== 'string' || !RFC3339.test(value)) throw badResponse(name)
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw badResponse(name)
  return date
}

function gatewayField(value: unknown): AuthorizedGateway {
  if (!isRecord(value)) throw badResponse('gateway')
  return {
    id: stringField(value, 'id', MAX_FIELD_LENGTH),
    code: stringField(value, 'code', MAX_FIELD_LENGTH),
    name: stringField(value, 'name', MAX_FIELD_LENGTH, 0),
  }
}

function abilitiesField(value: unknown): readonly string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > MAX_ABILITIES) throw badResponse('abilities')
  for (const ability of value) {
    if (typeof ability !== 'string' || ability.length > MAX_FIELD_LENGTH) {
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
