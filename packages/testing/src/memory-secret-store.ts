import { Secret, SecretStoreError, assertValidName } from '@harmony-auth/core'
import type {
  SecretDeleteOptions,
  SecretGetOptions,
  SecretListOptions,
  SecretPutOptions,
  SecretStage,
  SecretStore,
  StoredSecret,
} from '@harmony-auth/core'

interface StoredVersion {
  bytes: Uint8Array
  version: string
}

type Stages = Partial<Record<SecretStage, StoredVersion>>

/** A store operation that {@link MemorySecretStore.failNext} makes fail. */
export type MemoryStoreOperation = 'get' | 'put' | 'promote' | 'delete' | 'list'

/**
 * An in-memory {@link SecretStore} with the stage semantics of `FilesystemSecretStore`: writing
 * `current` moves the former current value to `previous`, `promote` moves `pending` to `current`
 * and `current` to `previous`, and `list` shows names that have a current stage. Values are
 * copied in and out. For tests; it can also make the next calls of an operation fail.
 *
 * @example
 * ```ts
 * const store = new MemorySecretStore()
 * await store.put('auth.json', new TextEncoder().encode('value'))
 * store.failNext('put')
 * ```
 */
export class MemorySecretStore implements SecretStore {
  readonly provider = 'memory'
  readonly #secrets = new Map<string, Stages>()
  readonly #failures = new Map<MemoryStoreOperation, number>()
  #versions = 0

  /** Makes the next `count` calls of `operation` fail with `ERR_SECRET_STORE_FAILED`. */
  failNext(operation: MemoryStoreOperation, count = 1): void {
    this.#failures.set(operation, (this.#failures.get(operation) ?? 0) + count)
  }

  /**
   * Reads one stage of a secret.
   *
   * @throws SecretStoreError `ERR_SECRET_NOT_FOUND` when the secret or stage does not exist.
   * @throws TypeError when `options.stage` is not a stage.
   */
  get(name: string, options: SecretGetOptions = {}): Promise<StoredSecret> {
    return this.#run('get', name, () => {
      const stage = checkStage(options.stage ?? 'current')
      const stored = this.#secrets.get(name)?.[stage]
      if (!stored) throw notFound(name, stage)
      return { value: new Secret(stored.bytes), stage, version: stored.version }
    })
  }

  /** Writes a stage. Writing `current` moves the former current value to `previous`. */
  put(name: string, value: Secret | Uint8Array, options: SecretPutOptions = {}): Promise<void> {
    return this.#run('put', name, () => {
      const stage = options.stage ?? 'current'
      if (stage !== 'current' && stage !== 'pending') {
        throw new TypeError(`MemorySecretStore.put stage must be 'current' or 'pending'`)
      }
      const stages = this.#stagesOf(name)
      if (stage === 'current' && stages.current) stages.previous = stages.current
      stages[stage] = this.#version(value)
    })
  }

  /** Stores `value` as current unless a current value exists. Returns whether it stored it. */
  putIfAbsent(name: string, value: Secret | Uint8Array): Promise<boolean> {
    return this.#run('put', name, () => {
      const stages = this.#stagesOf(name)
      if (stages.current) return false
      stages.current = this.#version(value)
      return true
    })
  }

  /**
   * Makes `pending` current and the former current `previous`.
   *
   * @throws SecretStoreError `ERR_SECRET_NOT_FOUND` when there is no pending stage.
   */
  promote(name: string): Promise<void> {
    return this.#run('promote', name, () => {
      const stages = this.#stagesOf(name)
      if (!stages.pending) throw notFound(name, 'pending')
      if (stages.current) stages.previous = stages.current
      stages.current = stages.pending
      delete stages.pending
    })
  }

  /**
   * Removes one stage, or every stage. Removing what does not exist succeeds.
   *
   * @throws TypeError when `options.stage` is not a stage.
   */
  delete(name: string, options: SecretDeleteOptions = {}): Promise<void> {
    return this.#run('delete', name, () => {
      if (options.stage === undefined) {
        this.#secrets.delete(name)
        return
      }
      const stages = this.#secrets.get(name)
      if (stages) delete stages[checkStage(options.stage)]
    })
  }

  /** Lists the names that have a current stage, sorted. */
  list(options: SecretListOptions = {}): Promise<string[]> {
    return this.#run('list', undefined, () =>
      [...this.#secrets.entries()]
        .filter(([name, stages]) => stages.current && name.startsWith(options.prefix ?? ''))
        .map(([name]) => name)
        .sort(),
    )
  }

  #stagesOf(name: string): Stages {
    let stages = this.#secrets.get(name)
    if (!stages) {
      stages = {}
      this.#secrets.set(name, stages)
    }
    return stages
  }

  #version(value: Secret | Uint8Array): StoredVersion {
    this.#versions += 1
    return { bytes: Secret.from(value).bytes(), version: String(this.#versions) }
  }

  /** Runs `step` asynchronously, as a real store would, after the name and failure checks. */
  async #run<T>(
    operation: MemoryStoreOperation,
    name: string | undefined,
    step: () => T,
  ): Promise<T> {
    await Promise.resolve()
    if (name !== undefined) assertValidName(name, 'secret name')
    const pending = this.#failures.get(operation) ?? 0
    if (pending > 0) {
      this.#failures.set(operation, pending - 1)
      throw new SecretStoreError('ERR_SECRET_STORE_FAILED', `Injected ${operation} failure`, {
        provider: this.provider,
        secretName: name,
      })
    }
    return step()
  }
}

const STAGES: readonly SecretStage[] = ['current', 'previous', 'pending']

/** Returns `stage`, so a name such as `__proto__` never reaches the stage objects. */
function checkStage(stage: SecretStage): SecretStage {
  if (!STAGES.includes(stage)) {
    throw new TypeError(`MemorySecretStore stage must be one of ${STAGES.join(', ')}`)
  }
  return stage
}

function notFound(name: string, stage: SecretStage): SecretStoreError {
  return new SecretStoreError('ERR_SECRET_NOT_FOUND', `The secret ${name} has no ${stage} stage`, {
    provider: 'memory',
    secretName: name,
  })
}
