import type { Secret } from './secret.js'

/**
 * Stages a secret can hold at once. `current` is what readers use; `pending` is written during a
 * rotation before it is promoted; `previous` is what `current` was before the last promotion.
 */
export type SecretStage = 'current' | 'previous' | 'pending'

/** One stored version of a secret. */
export interface StoredSecret {
  /** The secret bytes. */
  value: Secret
  /** The stage this version was read from. */
  stage: SecretStage
  /** Provider version id (file generation, AWS VersionId, Azure version, Vault version). */
  version: string
}

/** Options for {@link SecretStore.get}. */
export interface SecretGetOptions {
  /** Stage to read. Default `current`. */
  stage?: SecretStage
}

/** Options for {@link SecretStore.put}. */
export interface SecretPutOptions {
  /**
   * Stage to write. Default `current`: the value becomes current and the former current becomes
   * previous. With `pending` the current and previous versions stay as they are.
   */
  stage?: 'current' | 'pending'
}

/** Options for {@link SecretStore.delete}. */
export interface SecretDeleteOptions {
  /** Stage to remove. Default: every stage, which removes the secret. */
  stage?: SecretStage
}

/** Options for {@link SecretStore.list}. */
export interface SecretListOptions {
  /** Only names that start with this text. */
  prefix?: string
}

/**
 * Storage for named secrets with stages, implemented by every adapter (filesystem, AWS Secrets
 * Manager, Azure Key Vault, Vault KV v2). Names follow `[A-Za-z0-9._-]{1,128}`.
 *
 * Adapters map their provider's errors once: a missing secret or stage is `ERR_SECRET_NOT_FOUND`,
 * anything else a `SecretStoreError` with the provider error as `cause`.
 */
export interface SecretStore {
  /** Provider id used in logs and errors, for example `filesystem`. */
  readonly provider: string

  /**
   * Reads one stage of a secret.
   *
   * @throws SecretStoreError `ERR_SECRET_NOT_FOUND` when the secret or stage does not exist.
   */
  get(name: string, options?: SecretGetOptions): Promise<StoredSecret>

  /** Writes a value to a stage. Readers see the old or the new value, never a mix. */
  put(name: string, value: Secret | Uint8Array, options?: SecretPutOptions): Promise<void>

  /**
   * Makes `pending` the new `current` and the former `current` the new `previous`, in one step
   * as far as readers of `current` can tell.
   *
   * @throws SecretStoreError `ERR_SECRET_NOT_FOUND` when there is no pending version.
   */
  promote(name: string): Promise<void>

  /** Removes one stage, or the whole secret. Removing what does not exist succeeds. */
  delete(name: string, options?: SecretDeleteOptions): Promise<void>

  /** Lists the names of the secrets that have a current version, sorted. */
  list(options?: SecretListOptions): Promise<string[]>
}
