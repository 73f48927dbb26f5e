import { Secret } from '../secrets/secret.js'
import type { SecretInput } from '../secrets/secret.js'

/**
 * An HS256 secret accepted only until a point in time, such as the previous secret during a
 * rotation. It verifies tokens while the verifier's clock reads a time before `notAfter`, and
 * from `notAfter` on it verifies nothing.
 */
export interface TimedSecret {
  secret: SecretInput
  /** The first instant at which the secret no longer verifies tokens. */
  notAfter: Date
}

/** An HS256 secret entry: a secret without end, or one bounded by `notAfter`. */
export type HmacSecretEntry = SecretInput | TimedSecret

/** A secret entry after checking, with its window end in epoch milliseconds. */
export interface CheckedSecretEntry {
  input: SecretInput
  /** `Infinity` for a secret without end. */
  notAfterMs: number
}

/** Returns whether a secret with this window end still verifies at `nowMs` (epoch ms). */
export function isInsideWindow(notAfterMs: number, nowMs: number): boolean {
  return nowMs < notAfterMs
}

/**
 * Checks the shape of one secret entry and returns its secret and window end. The secret's own
 * type and length are left to the caller.
 *
 * @throws TypeError when the entry is neither a secret nor `{ secret, notAfter }`, or `notAfter`
 *   is not a Date.
 * @throws RangeError when `notAfter` is an invalid Date.
 */
export function checkSecretEntry(entry: unknown, name: string): CheckedSecretEntry {
  if (typeof entry === 'string' || entry instanceof Uint8Array || Secret.isSecret(entry)) {
    return { input: entry, notAfterMs: Infinity }
  }
  if (typeof entry !== 'object' || entry === null || !('secret' in entry)) {
    throw new TypeError(
      `each ${name} entry must be a Secret, string, Uint8Array or { secret, notAfter }`,
    )
  }
  const { secret, notAfter } = entry as { secret: unknown; notAfter?: unknown }
  if (!(notAfter instanceof Date)) {
    throw new TypeError(`${name} notAfter must be a Date`)
  }
  const notAfterMs = notAfter.getTime()
  if (Number.isNaN(notAfterMs)) throw new RangeError(`${name} notAfter is an invalid Date`)
  return { input: secret as SecretInput, notAfterMs }
}
