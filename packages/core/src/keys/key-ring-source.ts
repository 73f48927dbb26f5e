import { KeyError, isHarmonyAuthError } from '../errors.js'
import { assertValidName } from '../secrets/names.js'
import type { Secret } from '../secrets/secret.js'
import type { SecretStage, SecretStore } from '../secrets/secret-store.js'
import { silentLogger } from '../support/logger.js'
import type { Logger } from '../support/logger.js'
import { EncryptionKeyRing } from './encryption-key-ring.js'

/** Name of the variable that contains the current encryption key. */
export const ENCRYPTION_KEY_VARIABLE = 'RUNBEAM_ENCRYPTION_KEY'
/** Name of the variable that contains previous encryption keys, separated by commas or newlines. */
export const PREVIOUS_ENCRYPTION_KEYS_VARIABLE = 'RUNBEAM_ENCRYPTION_KEY_PREVIOUS'
/** The default name of the stored key, the Rust gateway's `encryption.key` file. */
export const DEFAULT_KEY_NAME = 'encryption.key'

/**
 * Provider of the key ring of a `TokenStore`. `load` never creates a key, so only
 * `loadOrCreate`, which `save` calls, may create one.
 */
export interface KeyRingSource {
  /** Returns the key ring, or undefined when no key exists yet. Never creates a key. */
  load(): Promise<EncryptionKeyRing | undefined>
  /** Returns the key ring, generating and storing a new key first when none exists. */
  loadOrCreate(): Promise<EncryptionKeyRing>
}

/**
 * Stores `value` as the current stage of `name` unless a current value exists, atomically with
 * respect to other processes. Returns whether it stored the value.
 */
export type CreateIfAbsent = (name: string, value: Secret) => Promise<boolean>

/** Options for {@link createKeyRingSource}. */
export interface KeyRingSourceOptions {
  /** Environment to read `RUNBEAM_ENCRYPTION_KEY` and `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Store that keeps the key when `RUNBEAM_ENCRYPTION_KEY` is unset. Default none. */
  store?: SecretStore
  /** Name of the key in `store`. Default `encryption.key`. */
  keyName?: string
  /** Name of the stored key in errors, for example its file path. Default `<provider> secret <keyName>`. */
  keyLocation?: string
  /**
   * Creates the key if no process has yet, for example under a cross-process lock. Without it the
   * source reads, then writes with `store.put`, and two processes starting at once can each
   * store a different key.
   */
  createIfAbsent?: CreateIfAbsent
  /** Called once after this source stored a newly generated key. */
  onKeyCreated?: (keyLocation: string) => void
  /** Receives an `info` record when a key is generated. Default silent. */
  logger?: Logger
}

/**
 * Creates the standard key ring source. The current key is `RUNBEAM_ENCRYPTION_KEY` when it is
 * set. Otherwise it is the stored key (`encryption.key`), whose `previous` and `pending` stages
 * also decrypt during a rotation. Without either, `loadOrCreate` generates a new X25519 identity
 * and stores it. The keys in `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` decrypt in every case.
 *
 * A set but empty `RUNBEAM_ENCRYPTION_KEY` is an error, not a fallback to the stored key. An
 * empty `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` means no previous keys.
 *
 * @throws KeyError `ERR_KEY_INVALID` (from `load` and `loadOrCreate`) when a variable or the
 * stored key holds invalid text, `ERR_KEY_NOT_FOUND` from `loadOrCreate` when there is neither a
 * variable nor a store, and `ERR_KEY_GENERATION_FAILED` when a new key cannot be stored.
 * @example
 * ```ts
 * const keyRing = createKeyRingSource({ store, createIfAbsent: (name, value) => store.putIfAbsent(name, value) })
 * const tokens = new TokenStore({ backend: store, keyRing })
 * ```
 */
export function createKeyRingSource(options: KeyRingSourceOptions = {}): KeyRingSource {
  return new StandardKeyRingSource(options)
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const
/** How often `load` reads the stored stages while a writer keeps changing them. */
const MAX_STAGE_READS = 3

/** Throws TypeError for an option of the wrong type, so misuse fails before the first load. */
function checkOptionTypes(options: KeyRingSourceOptions): void {
  if (options.env !== undefined && (typeof options.env !== 'object' || options.env === null)) {
    throw new TypeError('createKeyRingSource env must be an object of environment variables')
  }
  if (options.store !== undefined && typeof options.store?.get !== 'function') {
    throw new TypeError('createKeyRingSource store must be a SecretStore')
  }
  for (const callback of ['createIfAbsent', 'onKeyCreated'] as const) {
    if (options[callback] !== undefined && typeof options[callback] !== 'function') {
      throw new TypeError(`createKeyRingSource ${callback} must be a function`)
    }
  }
  const logger = options.logger as Partial<Logger> | undefined
  if (
    logger !== undefined &&
    !LOGGER_METHODS.every((method) => typeof logger?.[method] === 'function')
  ) {
    throw new TypeError(
      'createKeyRingSource logger must have the methods debug, info, warn and error',
    )
  }
}

/** Key text with the variable or file it came from, for errors. */
/** A key text with the variable, file or stage it came from, for error messages. */
export interface KeyText {
  text: string
  source: string
}

class StandardKeyRingSource implements KeyRingSource {
  readonly #env: NodeJS.ProcessEnv
  readonly #store: SecretStore | undefined
  readonly #keyName: string
  readonly #keyLocation: string
  readonly #createIfAbsent: CreateIfAbsent | undefined
  readonly #onKeyCreated: ((keyLocation: string) => void) | undefined
  readonly #logger: Logger
  #cache: { text: string; ring: EncryptionKeyRing } | undefined

  constructor(options: KeyRingSourceOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('createKeyRingSource options must be an object')
    }
    checkOptionTypes(options)
    this.#env = options.env ?? process.env
    this.#store = options.store
    this.#keyName = assertValidName(options.keyName ?? DEFAULT_KEY_NAME, 'keyName')
    this.#keyLocation =
      options.keyLocation ?? `${options.store?.provider ?? 'store'} secret ${this.#keyName}`
    this.#createIfAbsent = options.createIfAbsent
    this.#onKeyCreated = options.onKeyCreated
    this.#logger = options.logger ?? silentLogger
  }

  async load(): Promise<EncryptionKeyRing | undefined> {
    const previous = splitPreviousKeys(this.#env[PREVIOUS_ENCRYPTION_KEYS_VARIABLE])
    const fromEnv = this.#env[ENCRYPTION_KEY_VARIABLE]
    if (fromEnv !== undefined) {
      return this.#build({ text: fromEnv, source: ENCRYPTION_KEY_VARIABLE }, previous)
    }
    if (!this.#store) return undefined

    // A rotation can move current to previous between these reads, and the ring would then miss
    // the new key. So the stages are read again until current is the same before and after.
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.#readStage('current')
      if (current === undefined) return undefined
      const staged = await this.#readOtherStages()
      const settled = await this.#readStage('current')
      if (attempt < MAX_STAGE_READS && !(settled && current.equals(settled))) continue
      return this.#build({ text: current.text(), source: this.#keyLocation }, [
        ...staged,
        ...previous,
      ])
    }
  }

  async #readOtherStages(): Promise<KeyText[]> {
    const staged: KeyText[] = []
    for (const stage of ['previous', 'pending'] as const) {
      const value = await this.#readStage(stage)
      if (value)
        staged.push({ text: value.text(), source: `${this.#keyLocation} (${stage} stage)` })
    }
    return staged
  }

  async loadOrCreate(): Promise<EncryptionKeyRing> {
    const existing = await this.load()
    if (existing) return existing
    if (!this.#store) {
      throw new KeyError(
        'ERR_KEY_NOT_FOUND',
        `No encryption key is configured: set ${ENCRYPTION_KEY_VARIABLE} or give the key ring a store`,
        { source: ENCRYPTION_KEY_VARIABLE },
      )
    }
    await this.#storeNewKey(this.#store)
    const created = await this.load()
    if (created) return created
    throw new KeyError(
      'ERR_KEY_GENERATION_FAILED',
      `The new encryption key at ${this.#keyLocation} could not be read back`,
      { source: this.#keyLocation },
    )
  }

  async #storeNewKey(store: SecretStore): Promise<void> {
    const generated = await EncryptionKeyRing.generate()
    let created: boolean
    try {
      created = this.#createIfAbsent
        ? await this.#createIfAbsent(this.#keyName, generated.toKeyFile())
        : await this.#putUnlocked(store, generated)
    } catch (error) {
      throw new KeyError(
        'ERR_KEY_GENERATION_FAILED',
        `Failed to store a new encryption key at ${this.#keyLocation}`,
        { source: this.#keyLocation, cause: error },
      )
    }
    if (!created) return
    this.#logger.info({ keyLocation: this.#keyLocation }, 'Generated a new encryption key')
    this.#onKeyCreated?.(this.#keyLocation)
  }

  async #putUnlocked(store: SecretStore, generated: EncryptionKeyRing): Promise<boolean> {
    if ((await this.#readStage('current')) !== undefined) return false
    await store.put(this.#keyName, generated.toKeyFile())
    return true
  }

  async #readStage(stage: SecretStage): Promise<Secret | undefined> {
    if (!this.#store) return undefined
    try {
      return (await this.#store.get(this.#keyName, { stage })).value
    } catch (error) {
      if (isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')) return undefined
      throw error
    }
  }

  /** Parses the keys, reusing the last ring while the key texts are unchanged. */
  async #build(current: KeyText, previous: readonly KeyText[]): Promise<EncryptionKeyRing> {
    const cacheKey = JSON.stringify([current, previous])
    if (this.#cache?.text === cacheKey) return this.#cache.ring

    const [first, ...others] = await Promise.all(
      [current, ...previous].map((key) =>
        EncryptionKeyRing.from({ current: key.text, source: key.source }),
      ),
    )
    const ring = others.reduce((result, other) => result.withPrevious(other), first!)
    this.#cache = { text: cacheKey, ring }
    return ring
  }
}

// `base64` wraps at 76 columns and `openssl base64` at 64. No single-line key form has either
// length, so such a line followed by more base64 is a wrapped key that continues.
const WRAP_WIDTHS = new Set([64, 76])
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/

function continuesOnNextLine(line: string, next: string | undefined): boolean {
  return (
    next !== undefined &&
    WRAP_WIDTHS.has(line.length) &&
    !line.endsWith('=') &&
    BASE64_LINE.test(line) &&
    BASE64_LINE.test(next)
  )
}

/** Joins the lines of base64 that `base64` or `openssl base64` wrapped into one entry each. */
function joinWrappedLines(lines: readonly string[]): string[] {
  const entries: string[] = []
  let pending = ''
  for (const [index, line] of lines.entries()) {
    pending += line
    if (!continuesOnNextLine(line, lines[index + 1])) {
      entries.push(pending)
      pending = ''
    }
  }
  return entries
}

/**
 * Splits the previous-keys variable at commas and newlines, skipping blanks and `#` comments.
 * A wrapped base64 key, as `age-keygen | base64` prints it, stays one entry.
 */
export function splitPreviousKeys(value: string | undefined): KeyText[] {
  if (value === undefined) return []
  return value
    .split(',')
    .flatMap((part) =>
      joinWrappedLines(
        part
          .split(/\r?\n|\r/)
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('#')),
      ),
    )
    .map((text, index) => ({
      text,
      source: `${PREVIOUS_ENCRYPTION_KEYS_VARIABLE} (entry ${index + 1})`,
    }))
}
