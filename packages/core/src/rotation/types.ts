import type { SecretStore } from '../secrets/secret-store.js'
import type { Secret } from '../secrets/secret.js'
import type { Clock } from '../support/clock.js'
import type { Logger } from '../support/logger.js'

/**
 * Location of the encryption key: a name in a SecretStore whose stages contain the current, pending
 * and previous keys. A key file `/path/encryption.key` is the name `encryption.key` in a
 * `FilesystemSecretStore` rooted at `/path`.
 */
export interface StoredKeyLocation {
  /** The store that contains the key. */
  store: SecretStore
  /** The key name. Default `encryption.key`. */
  name?: string
  environment?: never
}

/**
 * A key the gateways read from `RUNBEAM_ENCRYPTION_KEY`, which only the operator can change.
 * The operator sets the new key there and the old one in `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` on
 * every gateway first; the rotation then re-encrypts every entry to the new key, without
 * generating one.
 */
export interface EnvironmentKeyLocation {
  /** The environment with `RUNBEAM_ENCRYPTION_KEY` and `RUNBEAM_ENCRYPTION_KEY_PREVIOUS`. */
  environment: NodeJS.ProcessEnv
  /** The store that keeps the rotation journal. Default: the first target's store. */
  journalStore?: SecretStore
  /** Name the journal is derived from (`<name>.rotation`). Default `encryption.key`. */
  name?: string
  store?: never
}

/** Location of the encryption key: a SecretStore, or the environment. */
export type KeyLocation = StoredKeyLocation | EnvironmentKeyLocation

/** A set of encrypted entries to rotate: names in one SecretStore. */
export interface RotationTarget {
  /** The store that contains the entries. */
  store: SecretStore
  /** Entry names. Names that do not exist are skipped. Default `['auth.json']`. */
  names?: readonly string[]
  /** Label of the store in reports and errors. Default: the store's `provider`. */
  label?: string
}

/** Destination and recovery recipients of a backup archive. */
export interface BackupDestination {
  /** Path of the archive file. An existing file is never overwritten. */
  to: string
  /** Recovery recipients (`age1…` public keys) the archive is encrypted to. */
  recipients: readonly string[]
}

/** Options of {@link KeyRotator}. */
export interface KeyRotatorOptions {
  /** Location of the encryption key. */
  key: KeyLocation
  /** The encrypted entries, usually the token stores. */
  targets: readonly RotationTarget[]
  /** Source of the current time. Default: the system clock. */
  clock?: Clock
  /** Receives progress at info and problems at warn and error. Default: silent. */
  logger?: Logger
}

/** One progress event of a long operation. */
export interface RotationProgress {
  /** The step: reading and decrypting, backing up, re-encrypting, promoting or verifying. */
  phase: 'check' | 'backup' | 're-encrypt' | 'promote' | 'verify'
  /** Entries finished in this step. */
  done: number
  /** Entries in this step. */
  total: number
  /** The entry just finished, as `label/name`. */
  entry?: string
}

/** Options shared by the steps that process every entry. */
export interface RunOptions {
  /** Stops the run between entries; the journal keeps the progress for `resume()`. */
  signal?: AbortSignal
  /** Called after each entry. */
  onProgress?: (progress: RotationProgress) => void
  /** Entries processed at once, 1 to 64. Default 4. */
  concurrency?: number
}

/** Options of `KeyRotator.rotateEncryptionKey`. */
export interface RotateEncryptionKeyOptions extends RunOptions {
  /** Reads and decrypts every entry and reports, writing nothing. Default false. */
  dryRun?: boolean
  /**
   * The backup written before anything changes, or `false` to rotate without one. Required:
   * leaving it out is a configuration error, so a rotation never skips its backup by accident.
   */
  backup: BackupDestination | false
}

/** Report of an encryption-key rotation, or of what a dry run would do. Public data only. */
export interface EncryptionKeyRotationReport {
  /** Whether nothing was written. */
  dryRun: boolean
  /** Whether this run completed an interrupted rotation. */
  resumed: boolean
  /** The recipient of the new key; absent in a dry run. */
  recipient?: string
  /** The recipient of the key that was current before. */
  previousRecipient: string
  /** The entries rotated (or checked, in a dry run), as `label/name`. */
  entries: string[]
  /** Configured names that did not exist and were skipped, as `label/name`. */
  missing: string[]
  /** The backup archive written first, if any. */
  backup?: string
  /** Wall-clock time of the run, in milliseconds. */
  durationMs: number
}

/** Report of `KeyRotator.retirePreviousKey`. */
export interface RetireReport {
  dryRun: boolean
  /** The recipient of the removed key; absent when there was no previous key. */
  retiredRecipient?: string
  /**
   * Set for a key in the environment, where the rotator cannot remove the previous key: remove
   * `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` from every gateway.
   */
  manualStep?: string
  /** The entries checked, as `label/name`. */
  entries: string[]
}

/** Report of the archive that `KeyRotator.backup` wrote. */
export interface BackupReport {
  /** Path of the archive. */
  path: string
  /** The key recipients in the archive (current, then previous when present). */
  keyRecipients: string[]
  /** The entries in the archive, as `label/name`. */
  entries: string[]
  /** Size of the archive in bytes. */
  bytes: number
}

/** Options of `KeyRotator.restore`. */
export interface RestoreOptions {
  /** Path of the archive. */
  from: string
  /** A recovery identity (`AGE-SECRET-KEY-1…`) the archive was encrypted to. */
  identity: Secret | string
  /** Checks the archive and reports the changes, writing nothing. Default false. */
  dryRun?: boolean
}

/** A change a restore makes to one stored value. */
export type RestoreAction = 'create' | 'replace' | 'unchanged'

/** Report of `KeyRotator.restore`, or of what a dry run would change. */
export interface RestoreReport {
  dryRun: boolean
  /** When the archive was written. */
  createdAt: string
  /** The change to the key: the archive's current key becomes current. */
  key: { recipient: string; action: RestoreAction }
  /** The change to each entry, as `label/name`. */
  entries: { entry: string; action: RestoreAction }[]
}

/** State of the key and of any rotation, as `KeyRotator.status` returns it. */
export interface RotationStatus {
  /** The recipient of the current key. */
  recipient: string
  /** The recipient of the previous key, if one is kept. */
  previousRecipient?: string
  /** The rotation in progress, if any. */
  inProgress?: {
    id: string
    phase: 're-encrypting' | 'promoting'
    startedAt: string
    newRecipient: string
    /** Whether `rollback()` is still possible: true until the promoting phase starts. */
    canRollBack: boolean
  }
}
