import { TokenStoreError, isHarmonyAuthError } from '../errors.js'
import { assertValidName } from '../secrets/names.js'
import type { SecretStore } from '../secrets/secret-store.js'
import { systemClock } from '../support/clock.js'
import type { Clock } from '../support/clock.js'
import { silentLogger } from '../support/logger.js'
import type { Logger } from '../support/logger.js'
import { EncryptionKeyRing, isAgeFile } from '../keys/encryption-key-ring.js'
import type { KeyRingSource } from '../keys/key-ring-source.js'
import { MachineToken } from './machine-token.js'
import type { MachineTokenInput } from './machine-token.js'
import { decodeTokenRecord, encodeTokenRecord, parseJsonObject } from './token-record.js'

/** An older location of the token, read only when the main one is absent. */
export interface TokenStoreFallback {
  /** Store that contains the older token. */
  backend: SecretStore
  /** Its name in that store. */
  name: string
  /** Name of the older token in errors, for example its file path. Default `name`. */
  label?: string
}

/** Options for {@link TokenStore}. */
export interface TokenStoreOptions {
  /** Store of the encrypted token. */
  backend: SecretStore
  /** The key ring, or a source that loads it and creates a key at the first save. */
  keyRing: EncryptionKeyRing | KeyRingSource
  /** Name of the token in `backend`. Default `auth.json`. */
  name?: string
  /** Name of the token in errors, for example its file path. Default `name`. */
  label?: string
  /** Older locations that `load` reads when `name` is absent and `clear` also removes. Default none. */
  fallbacks?: readonly TokenStoreFallback[]
  /** Clock for `issuedAt` defaults and validity checks. Default the system clock. */
  clock?: Clock
  /** Receives `debug` records of saves and clears. Default silent. */
  logger?: Logger
}

interface Location {
  backend: SecretStore
  name: string
  label: string
}

function isKeyRingSource(value: unknown): value is KeyRingSource {
  const candidate = value as Partial<KeyRingSource> | null
  return typeof candidate?.load === 'function' && typeof candidate.loadOrCreate === 'function'
}

// Checks the shape rather than the class, so a ring from the other module format (ESM or CJS) of
// this package is accepted too.
function isKeyRing(value: unknown): value is EncryptionKeyRing {
  if (value instanceof EncryptionKeyRing) return true
  const candidate = value as Partial<EncryptionKeyRing> | null
  return typeof candidate?.encrypt === 'function' && typeof candidate.decrypt === 'function'
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const

/** Throws TypeError for a clock, logger or fallbacks option of the wrong type. */
function checkOptionTypes(options: TokenStoreOptions): void {
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError('TokenStore clock must be a function that returns a Date')
  }
  const logger = options.logger as Partial<Logger> | undefined
  if (
    logger !== undefined &&
    !LOGGER_METHODS.every((method) => typeof logger?.[method] === 'function')
  ) {
    throw new TypeError('TokenStore logger must have the methods debug, info, warn and error')
  }
  if (options.fallbacks !== undefined && !Array.isArray(options.fallbacks)) {
    throw new TypeError('TokenStore fallbacks must be an array')
  }
}

function fixedSource(ring: EncryptionKeyRing): KeyRingSource {
  return { load: () => Promise.resolve(ring), loadOrCreate: () => Promise.resolve(ring) }
}

function toLocation(fallback: TokenStoreFallback, index: number): Location {
  if (typeof fallback !== 'object' || fallback === null || !fallback.backend) {
    throw new TypeError(`TokenStore fallbacks[${index}] needs a backend and a name`)
  }
  const name = assertValidName(fallback.name, `fallbacks[${index}].name`)
  return { backend: fallback.backend, name, label: fallback.label ?? name }
}

/**
 * Saves, loads and clears the gateway's machine token, encrypted with age to the current key of
 * its key ring, in any {@link SecretStore}. The stored bytes are a binary age v1 file with one
 * X25519 recipient whose plaintext is the JSON record the Rust gateway wrote.
 *
 * `load` never writes or deletes anything, so a token file it cannot read stays as it was.
 *
 * @example
 * ```ts
 * const tokens = new TokenStore({ backend: store, keyRing: createKeyRingSource({ store }) })
 * await tokens.save({ machineToken, expiresAt: '2030-01-01T00:00:00Z', gatewayId: '42', gatewayCode: 'gw-1' })
 * const token = await tokens.load()
 * ```
 */
export class TokenStore {
  readonly #main: Location
  readonly #fallbacks: readonly Location[]
  readonly #keys: KeyRingSource
  readonly #clock: Clock
  readonly #logger: Logger

  /**
   * @throws TypeError when `backend` or `keyRing` is missing, or an option has the wrong type.
   * @throws HarmonyAuthError `ERR_SECRET_INVALID_NAME` when a name is outside
   * `[A-Za-z0-9._-]{1,128}` or is `.` or `..`.
   */
  constructor(options: TokenStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('TokenStore options must be an object')
    }
    const { backend, keyRing } = options
    if (typeof backend?.get !== 'function' || typeof backend.put !== 'function') {
      throw new TypeError('TokenStore needs a SecretStore as backend')
    }
    if (!isKeyRing(keyRing) && !isKeyRingSource(keyRing)) {
      throw new TypeError('TokenStore keyRing must be an EncryptionKeyRing or a KeyRingSource')
    }
    const name = assertValidName(options.name ?? 'auth.json', 'name')
    if (options.label !== undefined && typeof options.label !== 'string') {
      throw new TypeError('TokenStore label must be a string')
    }
    checkOptionTypes(options)
    this.#main = { backend, name, label: options.label ?? name }
    this.#fallbacks = (options.fallbacks ?? []).map(toLocation)
    this.#keys = isKeyRingSource(keyRing) ? keyRing : fixedSource(keyRing)
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
  }

  /**
   * Encrypts and stores a token, replacing the previous one atomically: readers see the old or
   * the new token. Creates the encryption key when none exists yet.
   *
   * @throws TokenStoreError `ERR_TOKEN_STORE_INVALID_RECORD` when a field of `input` is invalid,
   * and `ERR_TOKEN_STORE_WRITE_FAILED` when the backend fails. The stored token is then unchanged.
   * @throws KeyError `ERR_KEY_INVALID` or `ERR_KEY_GENERATION_FAILED` from the key ring source.
   * @throws SecretStoreError from the key ring source's store when the stored key cannot be read,
   * for example `ERR_SECRET_SYMLINK` or `ERR_SECRET_STORE_FAILED`.
   * @example
   * ```ts
   * const token = await tokens.save({ machineToken, expiresAt, gatewayId, gatewayCode, abilities })
   * ```
   */
  async save(input: MachineTokenInput): Promise<MachineToken> {
    const token = new MachineToken(input, this.#clock)
    const ring = await this.#keys.loadOrCreate()
    const ciphertext = await ring.encrypt(encodeTokenRecord(token))
    try {
      await this.#main.backend.put(this.#main.name, ciphertext)
    } catch (error) {
      throw writeFailed('save', this.#main, error)
    }
    this.#logger.debug(
      { secretName: this.#main.name, gatewayId: token.gatewayId },
      'Saved the machine token',
    )
    return token
  }

  /**
   * Reads and decrypts the token. Returns undefined when no token is stored. Never writes.
   *
   * @throws TokenStoreError `ERR_TOKEN_STORE_DECRYPT_FAILED` when no key of the ring decrypts the
   * token or no key exists. `ERR_TOKEN_STORE_CORRUPT` when the file is truncated or changed.
   * `ERR_TOKEN_STORE_PLAINTEXT` when it is unencrypted JSON. `ERR_TOKEN_STORE_INVALID_RECORD` when
   * the decrypted JSON is invalid. `ERR_TOKEN_STORE_READ_FAILED` when the backend fails.
   * @throws KeyError `ERR_KEY_INVALID` when a configured key is invalid.
   * @throws SecretStoreError from the key ring source's store when the stored key cannot be read.
   * @example
   * ```ts
   * const token = await tokens.load()
   * if (token?.isValid()) useToken(token.machineToken)
   * ```
   */
  async load(): Promise<MachineToken | undefined> {
    for (const location of [this.#main, ...this.#fallbacks]) {
      const bytes = await this.#read(location)
      if (bytes !== undefined) return this.#open(location, bytes)
    }
    return undefined
  }

  /**
   * Removes the token, with its older locations. Clearing an absent token succeeds.
   *
   * @throws TokenStoreError `ERR_TOKEN_STORE_WRITE_FAILED` when the backend fails.
   * @example
   * ```ts
   * await tokens.clear()
   * ```
   */
  async clear(): Promise<void> {
    for (const location of [this.#main, ...this.#fallbacks]) {
      try {
        await location.backend.delete(location.name)
      } catch (error) {
        throw writeFailed('clear', location, error)
      }
    }
    this.#logger.debug({ secretName: this.#main.name }, 'Cleared the machine token')
  }

  async #read(location: Location): Promise<Uint8Array | undefined> {
    try {
      return (await location.backend.get(location.name)).value.bytes()
    } catch (error) {
      if (isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')) return undefined
      throw new TokenStoreError(
        'ERR_TOKEN_STORE_READ_FAILED',
        `Failed to read the token file ${location.label}`,
        {
          secretName: location.name,
          provider: location.backend.provider,
          cause: error,
        },
      )
    }
  }

  async #open(location: Location, bytes: Uint8Array): Promise<MachineToken> {
    if (!isAgeFile(bytes) && parseJsonObject(bytes)) throw await this.#plaintext(location)
    const ring = await this.#keys.load()
    if (!ring) {
      throw new TokenStoreError(
        'ERR_TOKEN_STORE_DECRYPT_FAILED',
        `The token file ${location.label} is encrypted, but no encryption key exists: set RUNBEAM_ENCRYPTION_KEY or restore the key file`,
        { secretName: location.name },
      )
    }
    let plaintext: Uint8Array
    try {
      plaintext = await ring.decrypt(bytes)
    } catch (error) {
      throw decryptError(location, error)
    }
    return decodeTokenRecord(plaintext, location.label, this.#clock)
  }

  async #plaintext(location: Location): Promise<TokenStoreError> {
    const ring = await this.#keys.load().catch(() => undefined)
    const recipient = ring?.recipient ?? '<public key of RUNBEAM_ENCRYPTION_KEY>'
    return new TokenStoreError(
      'ERR_TOKEN_STORE_PLAINTEXT',
      `The token file ${location.label} contains unencrypted JSON, as older gateways wrote it. ` +
        `Encrypt it with "age -r ${recipient} -o ${location.label}.age ${location.label}" and ` +
        `move ${location.label}.age over ${location.label}, or delete it and authorize the gateway again`,
      { secretName: location.name },
    )
  }
}

/** Creates the error of a failed save or clear, naming the location that failed. */
function writeFailed(verb: 'save' | 'clear', location: Location, cause: unknown): TokenStoreError {
  const outcome = verb === 'save' ? '. The stored token is unchanged' : ''
  const message = `Failed to ${verb} the token ${location.label}${outcome}`
  return new TokenStoreError('ERR_TOKEN_STORE_WRITE_FAILED', message, {
    secretName: location.name,
    provider: location.backend.provider,
    cause,
  })
}

function decryptError(location: Location, error: unknown): TokenStoreError {
  if (isHarmonyAuthError(error, 'ERR_KEY_DECRYPT_FAILED')) {
    return new TokenStoreError(
      'ERR_TOKEN_STORE_DECRYPT_FAILED',
      `No encryption key decrypts the token file ${location.label}: it was encrypted to another key. Set RUNBEAM_ENCRYPTION_KEY_PREVIOUS to the old key, or authorize the gateway again`,
      { secretName: location.name, cause: error },
    )
  }
  return new TokenStoreError(
    'ERR_TOKEN_STORE_CORRUPT',
    `The token file ${location.label} is not a valid age file: it is truncated or was changed. Restore it from a backup or authorize the gateway again`,
    { secretName: location.name, cause: error },
  )
}
