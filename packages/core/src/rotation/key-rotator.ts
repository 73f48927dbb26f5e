import { createBackup, restoreBackup } from './backup.js'
import { resolveContext, type RotationContext } from './context.js'
import { rotateEncryptionKey } from './encryption-key-rotation.js'
import {
  rotateJwtSecret,
  type JwtSecretRotationReport,
  type RotateJwtSecretOptions,
} from './jwt-secret.js'
import { resumeRotation, rollbackRotation, rotationStatus } from './resume.js'
import { retirePreviousKey } from './retire.js'
import type {
  BackupDestination,
  BackupReport,
  EncryptionKeyRotationReport,
  KeyRotatorOptions,
  RestoreOptions,
  RestoreReport,
  RetireReport,
  RotateEncryptionKeyOptions,
  RotationStatus,
  RunOptions,
} from './types.js'

/**
 * Rotates the encryption key of one or many token stores, backs them up and restores them, and
 * rotates HS256 secrets. Every step survives a crash. Each entry is either entirely on the old
 * key or entirely on the new one, and the key ring in the key store decrypts every entry at any
 * point. `resume()` completes an interrupted rotation from the journal kept beside the key.
 *
 * > [!WARNING]
 * > Two rotations started at the same moment on the same key are stopped only on a store with
 * > `putIfAbsent` (the filesystem and memory stores), which creates the journal only when none
 * > exists. On other stores the journal is checked before it is written, without a lock. Run one
 * > rotation at a time per key.
 *
 * @example
 * ```ts
 * const store = new FilesystemSecretStore({ root: '/home/gw/.runbeam/gateway-1' })
 * const rotator = new KeyRotator({ key: { store }, targets: [{ store, names: ['auth.json'] }] })
 * const report = await rotator.rotateEncryptionKey({
 *   backup: { to: '/var/backups/gateway-1.age', recipients: ['age1…'] },
 * })
 * console.log(report.recipient, report.entries.length)
 * ```
 */
export class KeyRotator {
  readonly #context: RotationContext

  /** @throws TypeError or RangeError for invalid options, before any store is read. */
  constructor(options: KeyRotatorOptions) {
    this.#context = resolveContext(options)
  }

  /**
   * Rotates the encryption key. It checks that the current key ring decrypts every entry, writes
   * the backup and stores a new key as pending. Then it writes every entry's pending version
   * encrypted to that key, promotes the key and then each entry, and checks that the new key
   * alone decrypts every entry. A dry run stops after the first check and writes nothing.
   *
   * @throws RotationError `ERR_ROTATION_UNDECRYPTABLE` with the entry names when the key ring
   * cannot decrypt an entry; nothing is changed then. `ERR_ROTATION_IN_PROGRESS` when an earlier
   * rotation is not complete. `ERR_ROTATION_ABORTED` when `signal` aborts; run `resume()` then.
   * @throws KeyError `ERR_KEY_NOT_FOUND` when there is no current key.
   * @throws ConfigurationError `ERR_CONFIG_INVALID` when `backup` is left out.
   *
   * @example
   * ```ts
   * const plan = await rotator.rotateEncryptionKey({ dryRun: true, backup: false })
   * ```
   */
  rotateEncryptionKey(options: RotateEncryptionKeyOptions): Promise<EncryptionKeyRotationReport> {
    return rotateEncryptionKey(this.#context, options)
  }

  /**
   * Completes an interrupted rotation. Entries are checked against the journal, so work already
   * done is not repeated and an entry a gateway saved during the rotation is re-encrypted again.
   *
   * @throws RotationError `ERR_ROTATION_NOT_IN_PROGRESS` when there is nothing to resume.
   * `ERR_ROTATION_UNDECRYPTABLE` when an entry changed so that no stored key decrypts it, and
   * `ERR_ROTATION_VERIFY_FAILED` when the new key is missing; both messages say whether
   * `rollback()` is possible or the backup is needed.
   *
   * @example
   * ```ts
   * if ((await rotator.status()).inProgress) await rotator.resume()
   * ```
   */
  resume(options: RunOptions = {}): Promise<EncryptionKeyRotationReport> {
    return resumeRotation(this.#context, options)
  }

  /**
   * Undoes an interrupted rotation that is still re-encrypting: removes the pending versions,
   * the pending key and the journal. The current versions were never changed.
   *
   * @throws RotationError `ERR_ROTATION_NOT_IN_PROGRESS` when there is nothing to undo, and
   * `ERR_ROTATION_IN_PROGRESS` once the promoting phase started, so only `resume()` is left.
   */
  rollback(): Promise<void> {
    return rollbackRotation(this.#context)
  }

  /** Reports the current and previous key recipients and any rotation in progress. */
  status(): Promise<RotationStatus> {
    return rotationStatus(this.#context)
  }

  /**
   * Removes the previous key and every entry's previous version once the current key alone
   * decrypts every entry. Afterwards the old key decrypts nothing the stores hold.
   *
   * @throws RotationError `ERR_ROTATION_PREVIOUS_KEY_IN_USE` with the entry names when an entry
   * still needs the previous key, `ERR_ROTATION_UNDECRYPTABLE` with the names of entries no
   * stored key decrypts, and `ERR_ROTATION_IN_PROGRESS` during a rotation.
   */
  retirePreviousKey(options: { dryRun?: boolean } = {}): Promise<RetireReport> {
    return retirePreviousKey(this.#context, options)
  }

  /**
   * Writes one age-encrypted archive, mode 0600, of the key stages and every entry's current
   * ciphertext, encrypted to the operator's recovery recipients. An existing file is never
   * overwritten.
   *
   * @throws RotationError `ERR_CONFIG_INVALID` when a recipient is missing, invalid or one of the
   * keys being backed up, and `ERR_SECRET_CONFLICT` when the file exists.
   *
   * @example
   * ```ts
   * await rotator.backup({ to: '/var/backups/gw.age', recipients: [recoveryRecipient] })
   * ```
   */
  backup(destination: BackupDestination): Promise<BackupReport> {
    return createBackup(this.#context, destination)
  }

  /**
   * Decrypts and checks an archive, reports what would change and, unless `dryRun`, makes the
   * archive's key current (the live key becomes previous) and writes its entries.
   *
   * @throws RotationError `ERR_BACKUP_DECRYPT_FAILED` for a wrong identity, `ERR_BACKUP_INVALID`
   * for a damaged archive, `ERR_BACKUP_MISMATCH` when an entry would not decrypt afterwards or
   * does not match a configured target. The live data is unchanged after each of these.
   *
   * @example
   * ```ts
   * const plan = await rotator.restore({ from: path, identity, dryRun: true })
   * ```
   */
  restore(options: RestoreOptions): Promise<RestoreReport> {
    return restoreBackup(this.#context, options)
  }

  /**
   * Rotates an HS256 secret: a new random secret of at least 32 bytes as pending, then promoted.
   * Same as the {@link rotateJwtSecret} function.
   *
   * @throws RotationError `ERR_ROTATION_IN_PROGRESS` when a pending secret already exists.
   */
  rotateJwtSecret(options: RotateJwtSecretOptions): Promise<JwtSecretRotationReport> {
    return rotateJwtSecret(options)
  }
}
