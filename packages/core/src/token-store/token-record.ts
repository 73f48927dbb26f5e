import { TokenStoreError } from '../errors.js'
import type { Clock } from '../support/clock.js'
import { MachineToken } from './machine-token.js'

/** Encodes a token as the JSON plaintext of the token file, the format the Rust gateway reads. */
export function encodeTokenRecord(token: MachineToken): Uint8Array {
  const record = {
    machine_token: token.machineToken.text(),
    expires_at: token.expiresAt.toISOString(),
    gateway_id: token.gatewayId,
    gateway_code: token.gatewayCode,
    abilities: [...token.abilities],
    issued_at: token.issuedAt.toISOString(),
  }
  return new TextEncoder().encode(JSON.stringify(record))
}

function invalidRecord(name: string, problem: string, cause?: unknown): TokenStoreError {
  return new TokenStoreError(
    'ERR_TOKEN_STORE_INVALID_RECORD',
    `The token file ${name} decrypted, but ${problem}. Authorize the gateway again to replace it`,
    { secretName: name, cause },
  )
}

/** Parses JSON text into an object, or returns undefined when it is not a JSON object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return value as Record<string, unknown>
}

/**
 * Decodes the decrypted plaintext of a token file. Unknown fields are ignored, and a missing
 * `abilities` field defaults to `[]`.
 *
 * @throws TokenStoreError `ERR_TOKEN_STORE_INVALID_RECORD` when the plaintext is not a JSON object
 * or a field is missing or invalid, including a date that is not RFC 3339.
 */
export function decodeTokenRecord(plaintext: Uint8Array, name: string, clock: Clock): MachineToken {
  const record = parseJsonObject(plaintext)
  if (!record) throw invalidRecord(name, 'its content is not a JSON object')
  try {
    return new MachineToken(
      {
        machineToken: record.machine_token as string,
        expiresAt: record.expires_at as string,
        gatewayId: record.gateway_id as string,
        gatewayCode: record.gateway_code as string,
        abilities: record.abilities as string[] | undefined,
        issuedAt: (record.issued_at ?? null) as string,
      },
      clock,
    )
  } catch (error) {
    const field = error instanceof TokenStoreError ? error.details.claim : undefined
    throw invalidRecord(name, `its field ${recordField(field)} is missing or invalid`, error)
  }
}

const FIELD_NAMES: Record<string, string> = {
  machineToken: 'machine_token',
  expiresAt: 'expires_at',
  gatewayId: 'gateway_id',
  gatewayCode: 'gateway_code',
  abilities: 'abilities',
  issuedAt: 'issued_at',
}

function recordField(inputField: string | undefined): string {
  return FIELD_NAMES[inputField ?? ''] ?? 'unknown'
}
