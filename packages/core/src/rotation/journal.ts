import { RotationError, isHarmonyAuthError } from '../errors.js'
import { isValidName } from '../secrets/names.js'
import type { SecretStore } from '../secrets/secret-store.js'

/** Value of the `format` member of a rotation journal. */
export const JOURNAL_FORMAT = 'harmony-auth-rotation-journal'

/**
 * The phase of an encryption-key rotation. In `re-encrypting` the old key is still current and
 * pending versions are being written, so a rollback is possible. In `promoting` the new key may
 * already be current, so the rotation can only be completed.
 */
export type RotationPhase = 're-encrypting' | 'promoting'

/** Progress of one target in the journal. */
export interface JournalTarget {
  /** Index of the target store in the rotator's `targets` option. */
  store: number
  /** The token name. */
  name: string
  /**
   * SHA-256 of the current ciphertext that the pending version was made from, once it is
   * written. A different current ciphertext at promotion means a gateway saved a new token, so
   * the target is re-encrypted again.
   */
  source?: string
}

/**
 * The rotation journal, kept beside the key as `<key name>.rotation` in the key's store. It
 * holds only public data: recipients, names and ciphertext hashes.
 */
export interface RotationJournal {
  format: typeof JOURNAL_FORMAT
  version: 1
  /** Random id of this rotation, used in logs. */
  id: string
  startedAt: string
  updatedAt: string
  phase: RotationPhase
  /** The recipient of the key that was current when the rotation started. */
  oldRecipient: string
  /** The recipient of the new key. */
  newRecipient: string
  /** The backup written before the rotation, if any. */
  backup?: string
  targets: JournalTarget[]
}

/** Returns the journal name for a key name. */
export function journalNameFor(keyName: string): string {
  return `${keyName}.rotation`
}

/**
 * Reads the journal, or returns undefined when no rotation is in progress.
 *
 * @throws RotationError `ERR_ROTATION_IN_PROGRESS` when a journal exists but cannot be parsed.
 */
export async function readJournal(
  store: SecretStore,
  name: string,
): Promise<RotationJournal | undefined> {
  let text: string
  try {
    text = (await store.get(name)).value.text()
  } catch (error) {
    if (isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')) return undefined
    throw error
  }
  const journal = parseJournal(text)
  if (!journal) {
    throw new RotationError(
      'ERR_ROTATION_IN_PROGRESS',
      `The rotation journal "${name}" is unreadable: restore from the backup or remove it by hand`,
      { secretName: name, provider: store.provider },
    )
  }
  return journal
}

function parseJournal(text: string): RotationJournal | undefined {
  try {
    const value = JSON.parse(text) as Partial<RotationJournal>
    const valid =
      value.format === JOURNAL_FORMAT &&
      value.version === 1 &&
      (value.phase === 're-encrypting' || value.phase === 'promoting') &&
      typeof value.newRecipient === 'string' &&
      typeof value.oldRecipient === 'string' &&
      typeof value.id === 'string' &&
      Array.isArray(value.targets) &&
      value.targets.every(isJournalTarget)
    return valid ? (value as RotationJournal) : undefined
  } catch {
    return undefined
  }
}

function isJournalTarget(value: unknown): value is JournalTarget {
  if (typeof value !== 'object' || value === null) return false
  const target = value as Partial<JournalTarget>
  return (
    Number.isInteger(target.store) &&
    isValidName(target.name) &&
    (target.source === undefined || typeof target.source === 'string')
  )
}

/**
 * Raises when a rotation journal exists, so a second rotation, a retire or a restore never runs
 * over a rotation in progress.
 *
 * @throws RotationError `ERR_ROTATION_IN_PROGRESS`.
 */
export async function refuseInProgress(store: SecretStore, name: string): Promise<void> {
  const journal = await readJournal(store, name)
  if (journal) {
    throw new RotationError(
      'ERR_ROTATION_IN_PROGRESS',
      `Rotation ${journal.id} is in progress: run resume() to complete it or rollback() to undo it`,
      { secretName: name, provider: store.provider },
    )
  }
}

// Progress updates are written at most this often. A stop loses at most this much recorded
// progress, and resume() redoes those entries.
const UPDATE_INTERVAL_MS = 200

/**
 * Writes journal updates one at a time: progress updates at most every 200 ms with the latest
 * state, so a rotation of many entries does not rewrite the journal per entry. `flush()` writes
 * at once and resolves when the state at the time of the call is stored.
 */
export class JournalWriter {
  readonly #store: SecretStore
  readonly #name: string
  readonly #clock: () => Date
  #journal: RotationJournal
  #writing: Promise<void> = Promise.resolve()
  #dirty = false
  #failure: Error | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(store: SecretStore, name: string, journal: RotationJournal, clock: () => Date) {
    this.#store = store
    this.#name = name
    this.#journal = journal
    this.#clock = clock
  }

  get journal(): RotationJournal {
    return this.#journal
  }

  /** Applies `change` to the journal and schedules a write within 200 ms. */
  update(change: (journal: RotationJournal) => void): void {
    change(this.#journal)
    this.#dirty = true
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#schedule()
    }, UPDATE_INTERVAL_MS)
    this.#timer.unref()
  }

  /**
   * Writes the journal of a new rotation. A store with `putIfAbsent`, such as
   * `FilesystemSecretStore`, creates it only when no journal exists, so of two rotations started
   * together only one goes on. Other stores write it unconditionally.
   *
   * @throws RotationError `ERR_ROTATION_IN_PROGRESS` when another rotation created its journal.
   */
  async create(): Promise<void> {
    const store = this.#store as SecretStore & {
      putIfAbsent?: (name: string, value: Uint8Array) => Promise<boolean>
    }
    if (typeof store.putIfAbsent !== 'function') return this.flush()
    this.#journal.updatedAt = this.#clock().toISOString()
    const bytes = new TextEncoder().encode(JSON.stringify(this.#journal))
    if (!(await store.putIfAbsent(this.#name, bytes))) {
      throw new RotationError(
        'ERR_ROTATION_IN_PROGRESS',
        'Another rotation started at the same time: wait for it, then check status()',
        { secretName: this.#name, provider: store.provider },
      )
    }
  }

  /**
   * Writes the journal now and waits for every scheduled write.
   *
   * @throws The store's error when any write since the last flush failed.
   */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#schedule()
    await this.#writing
    const failure = this.#failure
    this.#failure = undefined
    if (failure) throw failure
  }

  /**
   * Writes what is still unwritten and stops the timer, ignoring write errors, so a failed or
   * aborted run records its progress and leaves no write behind that could land later.
   */
  async settle(): Promise<void> {
    if (!this.#dirty && !this.#timer) return
    await this.flush().catch(() => undefined)
  }

  /** Drops unwritten updates and waits for a write in flight, before the journal is removed. */
  async discard(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#dirty = false
    await this.#writing
  }

  #schedule(): void {
    this.#dirty = true
    this.#writing = this.#writing
      .then(() => this.#writeIfDirty())
      .catch((error: unknown) => {
        this.#failure ??= error instanceof Error ? error : new Error(String(error))
      })
  }

  async #writeIfDirty(): Promise<void> {
    if (!this.#dirty) return
    this.#dirty = false
    this.#journal.updatedAt = this.#clock().toISOString()
    await this.#store.put(this.#name, new TextEncoder().encode(JSON.stringify(this.#journal)))
  }
}
