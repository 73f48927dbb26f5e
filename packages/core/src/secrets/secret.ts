import { timingSafeEqual } from 'node:crypto'
import { inspect } from 'node:util'

const REDACTED = '[redacted]'

/** Values accepted wherever the SDK takes a secret. Strings are encoded as UTF-8. */
export type SecretInput = Secret | string | Uint8Array

/**
 * Secret bytes that print as `[redacted]` in `String()`, template literals, `JSON.stringify`,
 * `util.inspect` and `console.log`. The bytes are copied in and out, so callers cannot change the
 * stored value by accident.
 *
 * @example
 * ```ts
 * const secret = Secret.from(process.env.RUNBEAM_JWT_SECRET ?? '')
 * console.log(secret) // [redacted]
 * const bytes = secret.bytes()
 * ```
 */
export class Secret {
  readonly #bytes: Uint8Array

  /** Copies `value` (UTF-8 for strings). */
  constructor(value: string | Uint8Array) {
    this.#bytes =
      typeof value === 'string' ? new TextEncoder().encode(value) : Uint8Array.from(value)
  }

  /** Returns `value` unchanged when it is already a `Secret`, otherwise wraps it. */
  static from(value: SecretInput): Secret {
    return value instanceof Secret ? value : new Secret(value)
  }

  /** Returns whether `value` is a `Secret`. */
  static isSecret(value: unknown): value is Secret {
    return value instanceof Secret
  }

  /** Length of the secret in bytes. */
  get byteLength(): number {
    return this.#bytes.byteLength
  }

  /** Returns a copy of the secret bytes. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes)
  }

  /** Returns the secret decoded as UTF-8 text. */
  text(): string {
    return new TextDecoder().decode(this.#bytes)
  }

  /** Compares with another secret in constant time for equal lengths. */
  equals(other: SecretInput): boolean {
    const otherBytes = Secret.from(other).#bytes
    if (otherBytes.byteLength !== this.#bytes.byteLength) return false
    return timingSafeEqual(otherBytes, this.#bytes)
  }

  toString(): string {
    return REDACTED
  }

  toJSON(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return REDACTED
  }

  get [Symbol.toStringTag](): string {
    return REDACTED
  }
}
